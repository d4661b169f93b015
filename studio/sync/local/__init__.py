"""Local backend: the embedded PostgreSQL spoken to exactly as PostgREST would."""
