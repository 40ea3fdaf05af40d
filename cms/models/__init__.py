from .activity import StoryActivity
from .assignment import LanguageAssignment, assigned_languages
from .partner import ApiKey, ApiKeyUsage, Partner, Scope
from .source import Source
from .story import Origin, State, Story, StoryTag, StoryTranslation, set_tags
from .synonym import SearchSynonym
from .tag import Tag
from .webhook import WebhookDelivery, WebhookEndpoint

__all__ = [
    "ApiKey",
    "ApiKeyUsage",
    "LanguageAssignment",
    "Origin",
    "Partner",
    "Scope",
    "SearchSynonym",
    "Source",
    "State",
    "Story",
    "StoryActivity",
    "StoryTag",
    "StoryTranslation",
    "Tag",
    "WebhookDelivery",
    "WebhookEndpoint",
    "assigned_languages",
    "set_tags",
]
