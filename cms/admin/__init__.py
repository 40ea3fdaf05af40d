from . import approvals, partners, people, story, taxonomy, webhooks

__all__ = ["approvals", "partners", "people", "story", "taxonomy", "webhooks"]
