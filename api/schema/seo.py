"""Share-card types: Open Graph and Twitter properties (JSON-LD is `cms.serving.structured_data`),
with the lead image's 16:9 crop when the story has one."""

import strawberry


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
    image: str | None = strawberry.field(
        default=None, description="og:image, the lead image's 16:9 crop; null without one."
    )
    image_width: int | None = strawberry.field(default=None, description="og:image:width")
    image_height: int | None = strawberry.field(default=None, description="og:image:height")
    image_alt: str | None = strawberry.field(default=None, description="og:image:alt")


@strawberry.type(description="Twitter card properties (`twitter:*`).")
class TwitterCard:
    card: str = strawberry.field(
        description="twitter:card: `summary_large_image` with a lead image, else `summary`."
    )
    title: str = strawberry.field(description="twitter:title")
    description: str = strawberry.field(description="twitter:description")
    image: str | None = strawberry.field(
        default=None, description="twitter:image, the lead image's 16:9 crop; null without one."
    )
    image_alt: str | None = strawberry.field(default=None, description="twitter:image:alt")


def og_image(image):
    """OpenGraph's image properties for a served lead image (or none)."""
    rendition = image.largest("16x9") if image else None
    if rendition is None:
        return {}
    return {
        "image": rendition.url,
        "image_width": rendition.width,
        "image_height": rendition.height,
        "image_alt": image.alt,
    }


def twitter_card(title, description, image):
    """The Twitter card: a large image one when the story has a lead image."""
    rendition = image.largest("16x9") if image else None
    if rendition is None:
        return TwitterCard(card="summary", title=title, description=description)
    return TwitterCard(
        card="summary_large_image",
        title=title,
        description=description,
        image=rendition.url,
        image_alt=image.alt,
    )
