from . import approvals, edge, media, partners, people, site, story, synonyms, taxonomy, webhooks

__all__ = [
    "approvals",
    "edge",
    "media",
    "partners",
    "people",
    "site",
    "story",
    "synonyms",
    "taxonomy",
    "webhooks",
]
