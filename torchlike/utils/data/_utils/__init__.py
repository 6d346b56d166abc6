"""Helpers of ``DataLoader``: collation, fetching and worker processes."""
