from .activity import StoryActivity
from .assignment import LanguageAssignment, assigned_languages
from .edge import EdgePurge
from .partner import ApiKey, ApiKeyUsage, Partner, Scope
from .source import Source
from .story import Origin, State, Story, StoryTag, StoryTranslation, set_tags
from .tag import Tag
from .webhook import WebhookDelivery, WebhookEndpoint

__all__ = [
    "ApiKey",
    "ApiKeyUsage",
    "EdgePurge",
    "LanguageAssignment",
    "Origin",
    "Partner",
    "Scope",
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
