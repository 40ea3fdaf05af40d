from . import approvals, partners, people, site, story, taxonomy, webhooks

__all__ = ["approvals", "partners", "people", "site", "story", "taxonomy", "webhooks"]
