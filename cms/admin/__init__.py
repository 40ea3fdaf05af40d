from . import partners, people, site, story, taxonomy, webhooks

__all__ = ["partners", "people", "site", "story", "taxonomy", "webhooks"]
