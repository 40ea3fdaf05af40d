"""Related stories: others readers of a story may read next, in the language it is served.

Cheap by construction, whatever the archive's size: candidates are the most recent
readable stories sharing a tag with it (one indexed query, at most `CANDIDATES` rows,
with how many tags each shares), their titles are read in the served language chain (one
query), and they are ranked by shared tags, then by title overlap (words, and character
pairs for Chinese), then by recency. A story without tags is related by title overlap
among the most recent stories. The chosen stories are served like any list
(`cms.serving.stories`), for the same audience: a key's languages and tags apply.
"""

import re

from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce

from cms.models import Story, StoryTag, StoryTranslation
from cms.serving import stories as serving

CANDIDATES = 200
MAX_RELATED = 20
_WORD = re.compile(r"[^\W\d_]{3,}|\d+", re.UNICODE)
_HAN = re.compile(r"[\u3400-\u9fff]+")
# Words too common in headlines to relate two stories.
_COMMON = frozenset(
    {"the", "and", "for", "with", "from", "that", "this", "into", "its", "are", "was", "has",
     "have", "new", "how", "why", "what", "will", "about", "over", "after", "more", "than",
     "says", "said"}
)  # fmt: skip


def title_terms(title):
    """The terms two titles are compared by: words, and pairs of Chinese characters."""
    text = title.lower()
    terms = {word for word in _WORD.findall(_HAN.sub(" ", text)) if word not in _COMMON}
    for run in _HAN.findall(text):
        terms.update(run[i : i + 2] for i in range(max(1, len(run) - 1)))
    return terms


def overlap(first, second):
    """Jaccard similarity of two term sets (0 when either is empty)."""
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


def related(served, first, observer=None):
    """Up to `first` `ServedStory`s related to `served`, for its batch's audience."""
    story, audience = served.story, served.batch.audience
    observe = observer or (lambda kind, ids: None)
    # Any story published, changed or withdrawn may change the list.
    observe(serving.STORY_LIST, [])
    tag_ids = [tag.pk for tag in served.tags]
    candidates = Story.objects.readable(audience).exclude(pk=story.pk)
    if tag_ids:
        links = StoryTag.objects.filter(story=OuterRef("pk"), tag_id__in=tag_ids)
        shared = links.order_by().values("story").annotate(n=Count("pk")).values("n")[:1]
        candidates = candidates.filter(Exists(links)).annotate(shared=Coalesce(Subquery(shared), 0))
    rows = list(
        candidates.order_by("-published_at", "-id").values_list(
            "pk", "published_at", *(["shared"] if tag_ids else [])
        )[:CANDIDATES]
    )
    if not rows:
        return []
    titles = _titles([row[0] for row in rows], audience.chain)
    own = title_terms(served.translation.title if served.translation else "")

    def rank(row):
        shared = row[2] if tag_ids else 0
        return (shared, overlap(own, titles.get(row[0], set())), row[1], row[0])

    ranked = sorted(rows, key=rank, reverse=True)
    if not tag_ids:
        ranked = [row for row in ranked if rank(row)[1] > 0]
    chosen = [row[0] for row in ranked[:first]]
    by_pk = Story.objects.select_related("source").in_bulk(chosen)
    return serving.serve([by_pk[pk] for pk in chosen if pk in by_pk], audience, observer)


def _titles(story_ids, chain):
    """Story id to the title terms of its version in the first language of `chain`."""
    rows = StoryTranslation.objects.filter(
        master_id__in=story_ids, language_code__in=chain
    ).values_list("master_id", "language_code", "title")
    titles = {}
    for story_id, code, title in rows:
        titles.setdefault(story_id, {})[code] = title
    return {
        story_id: title_terms(next(by_code[code] for code in chain if code in by_code))
        for story_id, by_code in titles.items()
    }
