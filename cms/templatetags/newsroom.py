"""Template tags of the newsroom admin."""

from django import template

from cms import dashboard

register = template.Library()


@register.inclusion_tag("cms/dashboard.html", takes_context=True)
def newsroom_dashboard(context):
    """The dashboard on the admin index; nothing for users who may not see stories."""
    return {"dashboard": dashboard.build(context["request"])}


@register.simple_tag
def newsroom_name():
    """The admin's name (the publication's newsroom), for pages rendered without the admin
    site's context, such as the confirmation of deleting a language version."""
    from cms.admin.site import newsroom_name

    return newsroom_name()
