"""Template tags of the newsroom admin."""

from django import template

from cms import dashboard

register = template.Library()


@register.inclusion_tag("cms/dashboard.html", takes_context=True)
def newsroom_dashboard(context):
    """The dashboard on the admin index; nothing for users who may not see stories."""
    return {"dashboard": dashboard.build(context["request"])}
