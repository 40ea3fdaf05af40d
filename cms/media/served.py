"""A served story's images, bylines and corrections, loaded page-wide (`cms.serving.stories`).

Each loader takes the ids of a whole page and costs a fixed number of queries, whatever
the page's size: images with their texts in the audience's languages (the images placed
in an analysis in that version's language, as its HTML shows them), authors with their
bios and avatars, corrections in the served languages.
"""

from collections import defaultdict

from django.conf import settings

from cms.core import languages, sharing
from cms.media import images
from cms.models import Author, Correction, Image, StoryAuthor


class ServedImage:
    """An image as one audience reads it: texts in the served language chain."""

    def __init__(self, image, translation):
        self.image = image
        self.translation = translation

    def _text(self, name):
        return getattr(self.translation, name, "") if self.translation else ""

    @property
    def url(self):
        return images.media_url(self.image.file.name)

    @property
    def width(self):
        return self.image.width

    @property
    def height(self):
        return self.image.height

    @property
    def decorative(self):
        return self.image.decorative

    @property
    def alt(self):
        """The alt text; "" for a decorative image (screen readers then skip it)."""
        return "" if self.image.decorative else self._text("alt")

    @property
    def caption(self):
        return self._text("caption")

    @property
    def credit(self):
        return self._text("credit")

    @property
    def rights(self):
        return self.image.rights

    @property
    def source_url(self):
        return self.image.source_url

    def renditions(self, kind="jpeg", ratio="original", widths=None):
        return images.renditions(self.image, kind, ratio, widths)

    def largest(self, ratio="original", kind="jpeg"):
        return images.largest(self.image, ratio, kind)


def load_images(image_ids, chain):
    """Image id to its `ServedImage` (two queries)."""
    image_ids = sorted(set(image_ids))
    if not image_ids:
        return {}
    found = defaultdict(list)
    for row in Image.translations.field.model.objects.filter(
        master_id__in=image_ids, language_code__in=chain
    ):
        found[row.master_id].append(row)
    return {
        image.pk: ServedImage(image, languages.pick(found[image.pk], chain))
        for image in Image.objects.filter(pk__in=image_ids)
    }


def load_images_in(wanted):
    """(language, image id) to the `ServedImage` with texts in that language's chain, for
    `wanted`, a mapping of language codes to image ids (two queries for any page)."""
    image_ids = sorted({image_id for ids in wanted.values() for image_id in ids})
    if not image_ids:
        return {}
    chains = {code: languages.chain(code) for code in wanted}
    found = defaultdict(list)
    for row in Image.translations.field.model.objects.filter(
        master_id__in=image_ids,
        language_code__in=sorted({code for chain in chains.values() for code in chain}),
    ):
        found[row.master_id].append(row)
    images = {image.pk: image for image in Image.objects.filter(pk__in=image_ids)}
    return {
        (code, image_id): ServedImage(images[image_id], languages.pick(found[image_id], chain))
        for code, chain in chains.items()
        for image_id in wanted[code]
        if image_id in images
    }


class ServedAuthor:
    """A byline's person or organization, with the bio in the served language chain."""

    def __init__(self, name, kind, url, bio="", avatar=None, slug=""):
        self.name = name
        self.kind = kind
        self.url = url
        self.bio = bio
        self.avatar = avatar
        self.slug = slug

    @classmethod
    def publication(cls, language):
        """The publication itself, named as the author of stories nobody signed."""
        return cls(
            settings.CMS_PUBLISHER_NAME,
            Author.Kind.ORGANIZATION,
            sharing.home_url(language),
        )

    @property
    def schema_type(self):
        return "Person" if self.kind == Author.Kind.PERSON else "Organization"


def load_bylines(stories, chain):
    """(story id to its `ServedAuthor`s in byline order, editor author id to its
    `ServedAuthor`): four queries for any page."""
    story_ids = [story.pk for story in stories]
    links = list(
        StoryAuthor.objects.filter(story_id__in=story_ids)
        .select_related("author")
        .order_by("position", "id")
    )
    editor_ids = {story.editor_id for story in stories if story.editor_id}
    authors = {link.author_id: link.author for link in links}
    authors.update(
        (author.pk, author) for author in Author.objects.filter(pk__in=editor_ids - set(authors))
    )
    by_id = serve_authors(authors, chain)
    bylines = defaultdict(list)
    for link in links:
        bylines[link.story_id].append(by_id[link.author_id])
    return bylines, by_id


def serve_authors(authors, chain):
    """Author id to its `ServedAuthor`, for `authors` (author id to `Author`): bios and
    avatars in three queries at most."""
    bios = defaultdict(list)
    for row in Author.translations.field.model.objects.filter(
        master_id__in=list(authors), language_code__in=chain
    ):
        bios[row.master_id].append(row)
    avatars = load_images([a.avatar_id for a in authors.values() if a.avatar_id], chain)

    def served(author):
        translation = languages.pick(bios[author.pk], chain)
        return ServedAuthor(
            author.name,
            author.kind,
            author.profile_url,
            translation.bio if translation else "",
            avatars.get(author.avatar_id),
            author.slug,
        )

    return {pk: served(author) for pk, author in authors.items()}


def load_corrections(story_ids, chain):
    """(story id, language) to its corrections, oldest first (one query)."""
    found = defaultdict(list)
    for row in Correction.objects.filter(story_id__in=story_ids, language_code__in=chain).order_by(
        "corrected_at", "id"
    ):
        found[(row.story_id, row.language_code)].append(row)
    return found
