"""Build stories, tags and sources for tests, in any languages."""

import itertools
from datetime import timedelta

from django.utils import timezone

from cms.disclosure import rules as disclosure
from cms.models import Source, Story, Tag, set_tags
from cms.stories import publishing

_numbers = itertools.count(1)


def make_tag(slug, **names):
    """A tag with names per language: make_tag("security", en="Security", zh_hans="安全")."""
    tag = Tag(slug=slug)
    for code, name in names.items():
        tag.set_current_language(code.replace("_", "-"))
        tag.name = name
    tag.save()
    return tag


def make_source(slug="semafor", homepage="https://www.semafor.com", **names):
    source = Source(slug=slug, homepage=homepage)
    for code, name in (names or {"en": slug.title()}).items():
        source.set_current_language(code.replace("_", "-"))
        source.name = name
    source.save()
    return source


def make_story(
    slug=None,
    languages=("en", "zh-hans"),
    status=Story.Status.PUBLISHED,
    hours_ago=1,
    tags=(),
    reviewed=True,
    **fields,
):
    """A story published `hours_ago` (None: no time), with a version per language.

    Translated texts default to "<slug> <language> title" etc.; pass e.g. `title_en=...`.
    A published story's AI-generated versions are reviewed by an editor first, as the
    review rule asks (`CMS_AI_PUBLISH_REQUIRES_REVIEW`); `reviewed=False` leaves them
    unreviewed, as a live story's text is after an edit no one reviewed.
    """
    number = next(_numbers)
    slug = slug or f"story-{number}"
    # How much AI wrote each version: `ai_involvement=` (every language), or the older
    # `ai_generated=` flag (AI-generated or written by a person).
    grade = fields.pop("ai_involvement", None)
    if grade is None:
        grade = "ai_generated" if fields.pop("ai_generated", True) else "human"
    translated = {
        key: fields.pop(key)
        for key in list(fields)
        if key.rsplit("_", 1)[-1] in {"en", "hans", "hant"} and "_" in key
    }
    story = Story(
        slug=slug,
        status=status,
        published_at=None if hours_ago is None else timezone.now() - timedelta(hours=hours_ago),
        **fields,
    )
    for code in languages:
        suffix = code.replace("-", "_").replace("zh_hans", "zh_hans")
        story.set_current_language(code)
        story.title = translated.get(f"title_{suffix}", f"{slug} {code} title")
        story.summary = translated.get(f"summary_{suffix}", f"{slug} {code} summary")
        story.analysis = translated.get(f"analysis_{suffix}", f"{slug} {code} analysis")
        story.tldr = translated.get(f"tldr_{suffix}", [f"{slug} {code} bullet"])
        story.key_data = translated.get(f"key_data_{suffix}", [])
        story.insights = translated.get(f"insights_{suffix}", [])
        story.faq = translated.get(f"faq_{suffix}", [])
        story.ai_involvement = translated.get(f"ai_involvement_{suffix}", grade)
    story.save()
    if tags:
        set_tags(story, tags)
    if status == Story.Status.PUBLISHED:
        if reviewed and disclosure.unreviewed_languages(story):
            # An editor reviews AI-generated text before it goes out (cms.disclosure.rules).
            review(story)
        # Published as the workflow publishes: readers (and partners) are told.
        publishing.announce(story)
    return story


def desk_editor():
    """The editor who reviews factory stories before they are published (no password:
    hashing one would slow every test that publishes)."""
    from django.contrib.auth.models import Group, Permission, User

    from cms.core.roles import install_roles

    user, created = User.objects.get_or_create(username="desk-editor", defaults={"is_staff": True})
    if created:
        if not Group.objects.filter(name="Editor").exists():
            # Transactional tests empty the database, groups from migrations included.
            install_roles(Group, Permission)
        user.groups.set([Group.objects.get(name="Editor")])
    return user


def review(story):
    """The review an editor gives a story's AI-written versions before they are published,
    through the workflow's own record (`CMS_AI_PUBLISH_REQUIRES_REVIEW`)."""
    return disclosure.record_review(story, desk_editor())


def make_user(username, *roles, languages=(), superuser=False):
    """A staff user in the given role groups (Writer, Translator, Editor, Publisher)."""
    from django.contrib.auth.models import Group, Permission, User

    from cms.core.roles import install_roles
    from cms.models import LanguageAssignment

    if roles and Group.objects.filter(name__in=roles).count() < len(set(roles)):
        # Transactional tests empty the database, groups from migrations included.
        install_roles(Group, Permission)

    if superuser:
        user = User.objects.create_superuser(username, f"{username}@example.com", "pw")
    else:
        user = User.objects.create_user(username, f"{username}@example.com", "pw", is_staff=True)
    user.groups.set([Group.objects.get(name=role) for role in roles])
    for code in languages:
        LanguageAssignment.objects.create(user=user, language=code)
    return user
