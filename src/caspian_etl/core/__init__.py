"""Infrastructure every layer uses: HTTP, raw snapshots, storage, atomic writes, locks, settings, errors, state."""
