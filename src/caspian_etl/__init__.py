"""caspian-etl: fetch, snapshot, validate and curate Kazakhstan–Azerbaijan and Middle Corridor indicators."""

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/caspian-etl/caspian-etl"
