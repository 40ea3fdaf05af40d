from . import partners, people, story, taxonomy, webhooks

__all__ = ["partners", "people", "story", "taxonomy", "webhooks"]
