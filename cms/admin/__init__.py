from . import edge, partners, people, story, taxonomy, webhooks

__all__ = ["edge", "partners", "people", "story", "taxonomy", "webhooks"]
