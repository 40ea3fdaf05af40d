"""Template filters of the story form's translation view (cms/admin/translating.py)."""

from django import template

register = template.Library()


@register.filter
def source_field(source, name):
    """The original's panel for field `name` beside a translation, or None."""
    if not source:
        return None
    return source["fields"].get(name)
