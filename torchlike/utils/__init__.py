"""``torchlike.utils``: data loading (``utils.data``)."""
