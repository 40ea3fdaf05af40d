from .activity import StoryActivity
from .assignment import LanguageAssignment, assigned_languages
from .autosave import Autosave
from .counts import StoryCount
from .disclosure import DisclosureRecord, Involvement
from .edge import EdgePurge
from .live import LiveEntry, LiveStatus
from .media import Author, Correction, Image, StoryAuthor, StoryImage
from .partner import ApiKey, ApiKeyUsage, Partner, Scope
from .pending import PendingTranslation
from .querysets import live_q, scheduled_q
from .slugs import StorySlug
from .source import Source
from .story import (
    TRANSLATED_FIELDS,
    Origin,
    State,
    Story,
    StoryTag,
    StoryTranslation,
    set_tags,
)
from .sync import SyncEntry, SyncHorizon
from .synonym import SearchSynonym
from .tag import Tag
from .webhook import WebhookDelivery, WebhookEndpoint
from .worker import TaskWorker

__all__ = [
    "TRANSLATED_FIELDS",
    "ApiKey",
    "ApiKeyUsage",
    "Author",
    "Autosave",
    "Correction",
    "DisclosureRecord",
    "EdgePurge",
    "Image",
    "Involvement",
    "LanguageAssignment",
    "LiveEntry",
    "LiveStatus",
    "Origin",
    "Partner",
    "PendingTranslation",
    "Scope",
    "SearchSynonym",
    "Source",
    "State",
    "Story",
    "StoryActivity",
    "StoryAuthor",
    "StoryCount",
    "StoryImage",
    "StorySlug",
    "StoryTag",
    "StoryTranslation",
    "SyncEntry",
    "SyncHorizon",
    "Tag",
    "TaskWorker",
    "WebhookDelivery",
    "WebhookEndpoint",
    "assigned_languages",
    "live_q",
    "scheduled_q",
    "set_tags",
]
