from . import story, taxonomy

__all__ = ["story", "taxonomy"]
