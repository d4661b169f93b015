"""Qt item models over the offline cache, one per view."""
