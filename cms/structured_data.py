"""Search-engine data for a served story: schema.org JSON-LD, and Open Graph locales."""

from django.conf import settings


def og_locale(code):
    """Open Graph's locale for a language code (`zh-hans` is `zh_CN`)."""
    return settings.CMS_OG_LOCALES.get(code, code.replace("-", "_"))


def json_ld(served):
    """schema.org NewsArticle, and FAQPage when the story has an FAQ (a `ServedStory`)."""
    story, translation = served.story, served.translation
    url = served.url
    article = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "@id": url,
        "mainEntityOfPage": url,
        "url": url,
        "headline": translation.title[:110],
        "description": translation.summary,
        "inLanguage": served.language,
        "datePublished": served.published_at.isoformat(),
        "dateModified": served.updated_at.isoformat(),
        "keywords": [tag.name for tag in served.tags],
        "publisher": {"@type": "Organization", "name": settings.CMS_PUBLISHER_NAME},
        "isAccessibleForFree": True,
        # What AI wrote (schema.org's IPTC digital source type), and GB 45438-2025's
        # implicit label under its own key.
        "digitalSourceType": served.disclosure.schema_org,
        "workTranslation": [
            {"@type": "NewsArticle", "@id": address, "inLanguage": code}
            for code, address in served.alternates.items()
        ],
    }
    if served.source_name:
        article["isBasedOn"] = {
            "@type": "CreativeWork",
            "url": story.cited_url,
            "publisher": {"@type": "Organization", "name": served.source_name},
        }
    if served.disclosure.aigc is not None:
        article["AIGC"] = served.disclosure.aigc
    graph = [article]
    if translation.faq:
        graph.append(
            {
                "@context": "https://schema.org",
                "@type": "FAQPage",
                "inLanguage": served.language,
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
