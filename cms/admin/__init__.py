from . import partners, story, taxonomy

__all__ = ["partners", "story", "taxonomy"]
