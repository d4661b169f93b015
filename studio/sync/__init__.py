"""Sync layer: keeps the local workspace and the cloud backend in step."""
