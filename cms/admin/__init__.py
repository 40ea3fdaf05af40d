from . import approvals, edge, partners, people, site, story, taxonomy, webhooks

__all__ = ["approvals", "edge", "partners", "people", "site", "story", "taxonomy", "webhooks"]
