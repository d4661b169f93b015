"""Server layer: the embedded PostgreSQL workspace, its schema and SQL helpers."""
