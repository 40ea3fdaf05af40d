"""Global ids of language-dependent objects: one id per story *and* language.

Client caches (Apollo's InMemoryCache, Relay's store) keep one record per `__typename` and
`id`. A story's fields change with the language it is asked for (title, tags' and source's
names, URL), so its id names that language: `Story:<pk>:<language>` (base64, as Relay's global
ids are). The language is the first of the caller's language chain, i.e. the one the story was
asked for once a key's language restrictions are applied; a story served in its fallback
language to Chinese readers keeps a Chinese id, because its tag and source names are Chinese.

`node(id)` serves the id's language whatever the request's `Accept-Language`, so a refetch stays
in its language. Old ids without a language (`Story:<pk>`) are served in the request's
language. Only `Story` has an id: the other types are kept inside their story's record.
"""

from django.utils.translation import gettext as _
from strawberry.relay.utils import to_base64

from api.schema.errors import BadUserInput
from cms.core import languages
from cms.core import values as bounds


def story_node_id(pk, chain):
    """The node id (before base64) of story `pk` served through the language `chain`."""
    return f"{pk}:{chain[0]}" if chain else str(pk)


def story_global_id(pk, chain):
    """The global id (base64) that `Story.id` answers, for code that builds answers by hand."""
    return to_base64("Story", story_node_id(pk, chain))


def parse_story_node_id(node_id):
    """(pk, language or None) of a node id; a clear error when it is not one of ours."""
    pk, separator, code = str(node_id).partition(":")
    language = languages.normalize(code) if separator else None
    if not _fits_a_key(pk) or (separator and language is None):
        raise BadUserInput(
            _("“%(id)s” is not a story id: pass the `id` of a story from this API.")
            % {"id": node_id}
        )
    return int(pk), language


def _fits_a_key(pk):
    """Whether `pk` is the decimal text of a key the database can hold (past 64 bits the
    driver would fail instead: SQLite raises, PostgreSQL compares as numeric)."""
    return (
        pk.isascii()
        and pk.isdigit()
        and len(pk) <= len(str(bounds.BIGINT_MAX))
        and bounds.integer_fits(int(pk))
    )


def resolve_story_nodes(info, node_ids, find):
    """The stories the node ids name, each in its id's language, or None where not visible.

    `find(language, pks)` gives the visible stories among `pks`, by pk, served in `language`
    (None: the request's). An id in a language the caller may not be served (a key's
    restriction) finds nothing.
    """
    wanted = [parse_story_node_id(node_id) for node_id in node_ids]
    by_language = {}
    for pk, language in wanted:
        by_language.setdefault(language, set()).add(pk)
    found = {}
    for language, pks in by_language.items():
        if language is not None and info.context.audience_for(language).chain[:1] != (language,):
            continue
        for pk, story in find(language, sorted(pks)).items():
            found[(pk, language)] = story
    return [found.get(key) for key in wanted]
