"""Search-engine data for a served story: schema.org JSON-LD (with its image crops and the
images placed in its analysis, bylines, publisher, translation source and corrections),
and Open Graph locales."""

import json

from django.conf import settings

from cms.disclosure import rules as disclosure

from . import live


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
        "publisher": publisher(),
        "author": [person(author) for author in served.authors],
        "isAccessibleForFree": True,
        # What AI wrote (schema.org's IPTC digital source type), and GB 45438-2025's
        # implicit label under its own key.
        "digitalSourceType": served.disclosure.schema_org,
        "workTranslation": [
            {"@type": "NewsArticle", "@id": address, "inLanguage": code}
            for code, address in served.alternates.items()
        ],
    }
    if served.disclosure.conversion:
        # A version converted from another language's text (CMS_DERIVED_LANGUAGES) says
        # so in its own language, as its label does.
        article["creditText"] = served.disclosure.conversion
    shown = images(served.image) if served.image is not None else []
    if served.analysis_served:
        # The images placed in the analysis follow the lead image's crops.
        shown += [placed(image) for image in served.analysis_images]
    if shown:
        article["image"] = [entry for entry in shown if entry]
    if served.editor is not None:
        # schema.org's `editor` is a Person; an editing desk is named as a contributor.
        role = "editor" if served.editor.schema_type == "Person" else "contributor"
        article[role] = person(served.editor)
    if served.original_url:
        article["translationOfWork"] = {"@type": "NewsArticle", "@id": served.original_url}
    if served.corrections:
        article["correction"] = [
            {
                "@type": "CorrectionComment",
                "text": correction.text,
                "datePublished": correction.corrected_at.isoformat(),
            }
            for correction in served.corrections
        ]
    if served.source_name:
        article["isBasedOn"] = {
            "@type": "CreativeWork",
            "url": story.cited_url,
            "publisher": {"@type": "Organization", "name": served.source_name},
        }
    if story.live_status:
        live_blog(article, served)
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
    if served.disclosure.aigc is not None:
        graph.append(aigc_label(url, served.disclosure.aigc))
    return graph


# The JSON-LD prefix of this publication's AI disclosure vocabulary, as in the feeds' XML.
AIGC_PREFIX = "aigc"


def aigc_label(url, fields):
    """GB 45438-2025's implicit label of the article at `url`, as a node of its own.

    Its terms are this publication's (`CMS_AIGC_NAMESPACE`, prefix `aigc:`), declared by
    the node's own `@context`; the shared `@id` makes JSON-LD processors merge it into the
    NewsArticle. The NewsArticle keeps the plain schema.org context and only schema.org
    properties, so schema.org validators find nothing unknown in it and sites typing it
    with schema-dts (`WithContext<NewsArticle>`) need no cast.
    """
    term = f"{AIGC_PREFIX}:"
    return {
        "@context": {AIGC_PREFIX: f"{disclosure.namespace()}#"},
        "@id": url,
        f"{term}AIGC": {f"{term}{name}": value for name, value in fields.items()},
    }


def live_blog(article, served):
    """Make a live story's article a LiveBlogPosting with its coverage times and newest
    entries (in the served language), as search engines read live coverage."""
    story = served.story
    article["@type"] = "LiveBlogPosting"
    if story.coverage_started_at:
        article["coverageStartTime"] = story.coverage_started_at.isoformat()
    if story.coverage_ended_at:
        article["coverageEndTime"] = story.coverage_ended_at.isoformat()
    entries, _more = served.live_entries(live.STRUCTURED_UPDATES)
    article["liveBlogUpdate"] = [update(entry) for entry in entries]


def update(entry):
    """One entry as a `liveBlogUpdate` BlogPosting: its own AI disclosure (an entry's grade
    is its own, not the story's), and its text only for audiences that read it."""
    row = entry.entry
    posting = {
        "@type": "BlogPosting",
        "datePublished": entry.published_at.isoformat(),
        "inLanguage": row.language_code,
        "digitalSourceType": entry.disclosure.schema_org,
    }
    if entry.text_served:
        posting["headline"] = row.text_plain[:110]
        posting["articleBody"] = row.text_plain
    if row.corrected_at:
        posting["dateModified"] = row.corrected_at.isoformat()
    if entry.author:
        posting["author"] = person(entry.author)
    return posting


def publisher():
    """The publication, with its logo when `CMS_PUBLISHER_LOGO_URL` names one."""
    organization = {"@type": "Organization", "name": settings.CMS_PUBLISHER_NAME}
    if settings.CMS_PUBLISHER_LOGO_URL:
        organization["logo"] = {"@type": "ImageObject", "url": settings.CMS_PUBLISHER_LOGO_URL}
    return organization


def person(author):
    """A byline's Person or Organization, with its profile address when it has one."""
    entry = {"@type": author.schema_type, "name": author.name}
    if author.url:
        entry["url"] = author.url
    return entry


def images(image):
    """The lead image's widest 16:9, 4:3 and 1:1 crops, as Google's Article guide asks."""
    return [
        image_object(image, rendition)
        for rendition in (image.largest(ratio) for ratio in ("16x9", "4x3", "1x1"))
        if rendition is not None
    ]


def placed(image):
    """An image placed in the analysis: its widest uncropped rendition (None: none)."""
    rendition = image.largest("original")
    return image_object(image, rendition) if rendition is not None else None


def pixels(count):
    """A length in pixels, as schema.org's `width` and `height` take it: a QuantitativeValue
    with UN/CEFACT's unit code for pixels (a bare number is neither a Distance nor one)."""
    return {"@type": "QuantitativeValue", "value": count, "unitCode": "E37"}


def image_object(image, rendition):
    return {
        "@type": "ImageObject",
        "url": rendition.url,
        "width": pixels(rendition.width),
        "height": pixels(rendition.height),
        **({"caption": image.caption} if image.caption else {}),
        **({"creditText": image.credit} if image.credit else {}),
        **({"copyrightNotice": image.rights} if image.rights else {}),
    }


# What a script element's text may not hold as it is: `</script>` (or `<!--`) would end or
# confuse it; `&` is escaped too, as Django's json_script does.
SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def script_text(objects):
    """JSON-LD `objects` as the text of a `<script type="application/ld+json">`: JSON that
    parses to the same objects, with nothing in it that could end the script."""
    return json.dumps(objects, ensure_ascii=False, separators=(",", ":")).translate(SCRIPT_ESCAPES)
