"""The names of what cached answers depend on, and the key of a cached answer.

A dependency is a story, tag, source or API key (`story:12`), or a list that changes
whenever any story or tag does (`stories`, `tags`). Every module names them through these
helpers, never by hand.
"""

import hashlib

import orjson

from cms.serving import stories as serving

STORIES = "stories"
TAGS = "tags"


def story(pk):
    return f"story:{pk}"


def tag(pk):
    return f"tag:{pk}"


def source(pk):
    return f"source:{pk}"


def api_key(pk):
    return f"apikey:{pk}"


_BY_KIND = {serving.STORY: story, serving.TAG: tag, serving.SOURCE: source}
_LISTS = {serving.STORY_LIST: STORIES, serving.TAG_LIST: TAGS}


def observed(kind, ids):
    """The dependencies of what a served-story observer heard (see `cms.serving.stories`)."""
    if kind == serving.LANGUAGE:
        return []
    if kind in _LISTS:
        return [_LISTS[kind]]
    return [_BY_KIND[kind](pk) for pk in ids]


def answer(document_hash, variables, operation_name, language, scope, content_type):
    """The cache key of an answer: document, variables, operation, language, scope, media type."""
    material = orjson.dumps(
        [document_hash, variables, operation_name, language, scope, content_type],
        option=orjson.OPT_SORT_KEYS,
    )
    return "gql:" + hashlib.sha256(material).hexdigest()
