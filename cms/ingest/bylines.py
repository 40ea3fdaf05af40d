"""The byline the story pipeline gives: authors named in order, found by name or added.

An agency's item names its writers as text; the newsroom's authors are rows. A name the
newsroom knows (the same name, ignoring case) is that author; another is added as a
person, with a slug of its own, so that the byline readers see is the item's.
"""

from django.utils.text import slugify
from django.utils.translation import gettext as _

from cms.models import Author, StoryAuthor

MAX_AUTHORS = 20
MAX_NAME = 200


def check(names):
    """An error message for a byline that is not a short list of names, else None."""
    if not isinstance(names, list) or len(names) > MAX_AUTHORS:
        return _("Give a list of at most %(max)s names.") % {"max": MAX_AUTHORS}
    for name in names:
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME:
            return _("Each name is text of 1 to %(max)s characters.") % {"max": MAX_NAME}
    return None


def set_byline(story, names):
    """Make the authors of `names` (in order, each once) the story's byline."""
    authors = []
    for name in dict.fromkeys(name.strip() for name in names):
        author = Author.objects.filter(name__iexact=name).order_by("pk").first()
        authors.append(author or Author.objects.create(name=name, slug=_free_slug(name)))
    StoryAuthor.objects.filter(story=story).exclude(author__in=authors).delete()
    for position, author in enumerate(authors):
        StoryAuthor.objects.update_or_create(
            story=story, author=author, defaults={"position": position}
        )


def _free_slug(name):
    base = slugify(name)[:90] or "author"
    slug, number = base, 1
    while Author.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug
