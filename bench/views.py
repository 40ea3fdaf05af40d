"""Yardsticks for the benchmark: what the same answers cost without GraphQL.

`plain` returns the front page's JSON bytes from memory: the floor of a Django process.
`front_page` and `story_page` run the same SQL as the GraphQL answers (through the same
loaders) and build the same JSON by hand: what GraphQL itself costs on top.
"""

import orjson
from django.http import HttpResponse

from api.schema import ids
from api.schema.pagination import StoryOrder, encode_cursor
from cms.models import Story
from cms.serving import stories as serving
from cms.serving.audience import Audience

_plain_body = {}


def _iso(value):
    return value.isoformat()


def _tags(served):
    return [{"slug": tag.slug, "name": tag.name} for tag in served.tags]


def front_page_data(request, language, first):
    audience = Audience.of(language)
    matching = Story.objects.readable(audience)
    stories = list(matching.select_related("source").order_by("-published_at", "-id")[: first + 1])
    has_next = len(stories) > first
    edges = []
    for served in serving.serve(stories[:first], audience):
        story, translation = served.story, served.translation
        edges.append(
            {
                "cursor": encode_cursor(StoryOrder.PUBLISHED_DESC, story),
                "node": {
                    "slug": story.slug,
                    "language": served.language,
                    "title": translation.title,
                    "summary": translation.summary,
                    "publishedAt": _iso(served.published_at),
                    "updatedAt": _iso(served.updated_at),
                    "viewCount": story.view_count,
                    "scores": {"hot": served.hot, "quality": story.quality, "impact": story.impact},
                    "tags": _tags(served),
                },
            }
        )
    tags = serving.listed_tags(audience)
    return {
        "data": {
            "stories": {
                "totalCount": matching.count(),
                "pageInfo": {
                    "hasNextPage": has_next,
                    "endCursor": edges[-1]["cursor"] if edges else None,
                },
                "edges": edges,
            },
            "tags": [{"slug": t.slug, "name": t.name, "storyCount": t.story_count} for t in tags],
        }
    }


def story_page_data(request, slug, language):
    audience = Audience.of(language)
    found = serving.find(Story.objects.readable(audience), audience, slug=slug)
    if not found:
        return {"data": {"story": None}}
    served = found[0]
    story, translation = served.story, served.translation
    source = served.source
    return {
        "data": {
            "story": {
                "id": ids.story_global_id(story.pk, audience.chain),
                "slug": story.slug,
                "language": served.language,
                "availableLanguages": served.available_languages,
                "url": served.url,
                "title": translation.title,
                "summary": translation.summary,
                "publishedAt": _iso(served.published_at),
                "updatedAt": _iso(served.updated_at),
                "viewCount": story.view_count,
                "shareCount": story.share_count,
                "scores": {"hot": served.hot, "quality": story.quality, "impact": story.impact},
                "tldr": list(translation.tldr),
                "keyData": translation.key_data,
                "analysis": {"html": translation.analysis_html, "text": translation.analysis_text},
                "insights": translation.insights,
                "faq": translation.faq,
                "aiGenerated": story.ai_generated,
                "disclaimer": served.disclaimer,
                "source": {"name": source.name, "url": source.url} if source else None,
                "tags": _tags(served),
                "shareLinks": [
                    {"network": network, "label": label, "url": url}
                    for network, label, url in served.share_links()
                ],
            }
        }
    }


def story_page(request):
    data = story_page_data(request, request.GET["slug"], request.GET.get("language", "en"))
    return HttpResponse(orjson.dumps(data), content_type="application/json")


def front_page(request):
    language = request.GET.get("language", "en")
    first = int(request.GET.get("first", "20"))
    body = orjson.dumps(front_page_data(request, language, first))
    return HttpResponse(body, content_type="application/json")


def plain(request):
    """The front page's bytes, computed once, then served from memory."""
    if "body" not in _plain_body:
        _plain_body["body"] = orjson.dumps(front_page_data(request, "en", 20))
    return HttpResponse(_plain_body["body"], content_type="application/json")
