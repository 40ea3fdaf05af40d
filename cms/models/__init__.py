from .source import Source
from .story import Story, StoryTag, StoryTranslation, set_tags
from .tag import Tag

__all__ = ["Source", "Story", "StoryTag", "StoryTranslation", "Tag", "set_tags"]
