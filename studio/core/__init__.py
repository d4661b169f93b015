"""Domain layer: pure models and rules, free of I/O, Qt and network libraries."""
