"""Template tags of the newsroom admin."""

from django import template

from cms.admin import dashboard

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


@register.filter
def newsroom_media(html):
    """HTML with its image addresses on this server (`cms.admin.media.on_this_server`)."""
    from cms.admin.media import on_this_server

    return on_this_server(html)
