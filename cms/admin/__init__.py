from . import approvals, edge, partners, people, site, story, synonyms, taxonomy, webhooks

__all__ = [
    "approvals",
    "edge",
    "partners",
    "people",
    "site",
    "story",
    "synonyms",
    "taxonomy",
    "webhooks",
]
