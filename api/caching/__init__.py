"""The response cache: entries, their keys and dependencies, and what invalidates them."""
