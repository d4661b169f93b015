"""Supabase backend: PostgREST, Auth and Realtime over supabase-py, sessions in the keyring."""
