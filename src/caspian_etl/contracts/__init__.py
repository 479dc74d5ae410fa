"""Table contracts from schemas/: loading, validation and quarantine, units, periods, countries, curated files."""
