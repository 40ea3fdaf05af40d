"""Value types a story holds: scores, rows, rich text, its source and share links."""

from enum import Enum

import strawberry

from cms.core import sharing


@strawberry.type(description="The three 0–100 scores editors give a story.")
class Scores:
    hot: int = strawberry.field(description="How much attention the story gets.")
    quality: int = strawberry.field(description="How solid the reporting is.")
    impact: int = strawberry.field(description="How much it matters to the industry.")


@strawberry.type(description="One row of a story's Key Data table.")
class KeyDataRow:
    entity: str = strawberry.field(description="Who or what the row is about.")
    detail: str = strawberry.field(description="The key information.")
    metric: str = strawberry.field(description="The figure or measure, if any.")


@strawberry.type(description="One numbered industry insight.")
class Insight:
    title: str = strawberry.field(description="The insight in a few words.")
    body: str = strawberry.field(description="The insight explained.")


@strawberry.type(description="A question readers ask, with its answer.")
class FaqEntry:
    question: str = strawberry.field(description="The question.")
    answer: str = strawberry.field(description="The answer.")


@strawberry.type(description="Rich text, as sanitized HTML and as plain text.")
class RichText:
    html: str = strawberry.field(description="Sanitized HTML: safe to insert into a page as it is.")
    text: str = strawberry.field(description="Plain text, paragraphs separated by blank lines.")


@strawberry.type(description="A publication a story cites.")
class Source:
    slug: str = strawberry.field(description="Stable identifier of the source.")
    name: str = strawberry.field(description="The source's name in the served language.")
    homepage: str = strawberry.field(description="The source's homepage, or an empty string.")
    url: str = strawberry.field(
        description="The cited article, or the source's homepage when the story names none."
    )


@strawberry.type(description="A link that shares a story on one network.")
class ShareLink:
    network: str = strawberry.field(
        description="Network code, as `recordShare` takes it: " + ", ".join(sharing.NETWORKS) + "."
    )
    label: str = strawberry.field(description="The network's name in the served language.")
    url: str = strawberry.field(description="Where the share button leads.")


@strawberry.enum(description="Who wrote a language version.")
class TranslationOrigin(Enum):
    HUMAN = strawberry.enum_value("human", description="A person wrote or checked it.")
    MACHINE = strawberry.enum_value("machine", description="A machine translated it.")


@strawberry.enum(description="A version of IPTC ninjs (News in JSON) a story can be given in.")
class NinjsVersion(Enum):
    V2_2 = strawberry.enum_value("2.2", description="ninjs 2.2: property names in lower case.")
    V3_1 = strawberry.enum_value(
        "3.1", description="ninjs 3.1: the same item, property names in camelCase."
    )
