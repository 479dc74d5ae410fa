"""Running sources, building derived tables, publishing, backfills, status and deployments."""
