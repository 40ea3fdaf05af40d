from .source import Source
from .story import Story, StoryTranslation
from .tag import Tag

__all__ = ["Source", "Story", "StoryTranslation", "Tag"]
