"""syncd: the bridge between support helpdesks and developer trackers."""

__version__ = "0.1.0"
