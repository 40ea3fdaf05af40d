from .partner import ApiKey, ApiKeyUsage, Partner, Scope
from .source import Source
from .story import Story, StoryTag, StoryTranslation, set_tags
from .tag import Tag
from .webhook import WebhookDelivery, WebhookEndpoint

__all__ = [
    "ApiKey",
    "ApiKeyUsage",
    "Partner",
    "Scope",
    "Source",
    "Story",
    "StoryTag",
    "StoryTranslation",
    "Tag",
    "WebhookDelivery",
    "WebhookEndpoint",
    "set_tags",
]
