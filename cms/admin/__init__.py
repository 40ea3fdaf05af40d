from . import partners, story, taxonomy, webhooks

__all__ = ["partners", "story", "taxonomy", "webhooks"]
