"""Share cards and search-engine data for a story: schema.org JSON-LD, Open Graph, Twitter."""

import strawberry
from django.conf import settings

from cms import sharing


def og_locale(code):
    """Open Graph's locale for a language code (`zh-hans` is `zh_CN`)."""
    return settings.CMS_OG_LOCALES.get(code, code.replace("-", "_"))


@strawberry.type(description="Open Graph properties (`og:*`) for a share card.")
class OpenGraph:
    title: str = strawberry.field(description="og:title")
    description: str = strawberry.field(description="og:description")
    url: str = strawberry.field(description="og:url, the canonical address.")
    type: str = strawberry.field(description="og:type, always `article`.")
    site_name: str = strawberry.field(description="og:site_name")
    locale: str = strawberry.field(description="og:locale of the served language, e.g. `zh_CN`.")
    locale_alternates: list[str] = strawberry.field(
        description="og:locale:alternate, the story's other languages."
    )
    published_time: str = strawberry.field(description="article:published_time")
    modified_time: str = strawberry.field(description="article:modified_time")
    tags: list[str] = strawberry.field(description="article:tag")


@strawberry.type(description="Twitter card properties (`twitter:*`).")
class TwitterCard:
    card: str = strawberry.field(description="twitter:card, always `summary`.")
    title: str = strawberry.field(description="twitter:title")
    description: str = strawberry.field(description="twitter:description")


def json_ld(story, translation, tags, source_name, available):
    """schema.org NewsArticle, and FAQPage when the story has an FAQ."""
    url = sharing.canonical_url(story.slug, translation.language_code)
    article = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "@id": url,
        "mainEntityOfPage": url,
        "url": url,
        "headline": translation.title[:110],
        "description": translation.summary,
        "inLanguage": translation.language_code,
        "datePublished": story.published_at.isoformat(),
        "dateModified": (story.updated_at or story.published_at).isoformat(),
        "keywords": tags,
        "publisher": {"@type": "Organization", "name": settings.CMS_PUBLISHER_NAME},
        "isAccessibleForFree": True,
        "workTranslation": [
            {
                "@type": "NewsArticle",
                "@id": sharing.canonical_url(story.slug, code),
                "inLanguage": code,
            }
            for code in available
            if code != translation.language_code
        ],
    }
    if source_name:
        article["isBasedOn"] = {
            "@type": "CreativeWork",
            "url": story.source_url or story.source.homepage,
            "publisher": {"@type": "Organization", "name": source_name},
        }
    graph = [article]
    if translation.faq:
        graph.append(
            {
                "@context": "https://schema.org",
                "@type": "FAQPage",
                "inLanguage": translation.language_code,
                "mainEntity": [
                    {
                        "@type": "Question",
                        "name": entry["question"],
                        "acceptedAnswer": {"@type": "Answer", "text": entry["answer"]},
                    }
                    for entry in translation.faq
                ],
            }
        )
    return graph
