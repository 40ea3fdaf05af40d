from . import partners, people, story, synonyms, taxonomy, webhooks

__all__ = ["partners", "people", "story", "synonyms", "taxonomy", "webhooks"]
