"""Share-card types: Open Graph and Twitter properties (JSON-LD is `cms.structured_data`)."""

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


@strawberry.type(description="Twitter card properties (`twitter:*`).")
class TwitterCard:
    card: str = strawberry.field(description="twitter:card, always `summary`.")
    title: str = strawberry.field(description="twitter:title")
    description: str = strawberry.field(description="twitter:description")
