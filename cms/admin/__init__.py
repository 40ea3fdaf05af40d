from . import approvals, edge, media, partners, people, site, story, taxonomy, webhooks

__all__ = [
    "approvals",
    "edge",
    "media",
    "partners",
    "people",
    "site",
    "story",
    "taxonomy",
    "webhooks",
]
