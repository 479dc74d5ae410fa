"""UN Comtrade: the API source, bulk file reading and row mapping, and the streaming bulk ingest."""
