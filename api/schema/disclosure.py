"""AI disclosure in the API: the grade of a served version, its label and metadata, and
the pipeline's inputs for them (vocabulary and rules: `cms.disclosure.rules`)."""

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from cms.disclosure import rules as disclosure


@strawberry.enum(description="How much AI wrote a language version of a story.")
class AiInvolvement(Enum):
    HUMAN = strawberry.enum_value("human", description="A person wrote it.")
    AI_ASSISTED = strawberry.enum_value(
        "ai_assisted", description="A person wrote it with AI assistance."
    )
    AI_REVIEWED = strawberry.enum_value(
        "ai_reviewed",
        description="AI wrote it and an editor reviewed this text (output only: the "
        "publication records reviews itself).",
    )
    AI_GENERATED = strawberry.enum_value(
        "ai_generated", description="AI wrote it; no person has reviewed this text yet."
    )
    MACHINE_FROM_HUMAN = strawberry.enum_value(
        "machine_from_human", description="A machine translated a person's original."
    )
    MACHINE_FROM_AI = strawberry.enum_value(
        "machine_from_ai", description="A machine translated an AI-generated original."
    )


@strawberry.type(description="A person's review of the served text: their role and when.")
class DisclosureReview:
    role: str = strawberry.field(description="The reviewer's role: `editor` or `publisher`.")
    reviewed_at: datetime = strawberry.field(description="When the text was reviewed.")
    edit_version: int | None = strawberry.field(
        description="The story's edit version (save count) that was reviewed."
    )


@strawberry.type(
    description="What the served version discloses about AI's part in it: show `label` with "
    "the text; put `digitalSourceType` and `aigc` in the metadata of files made from it."
)
class Disclosure:
    _found: strawberry.Private[disclosure.Disclosure]

    @strawberry.field(description="How much AI wrote the served version.")
    def grade(self) -> AiInvolvement:
        return AiInvolvement(self._found.grade)

    @strawberry.field(
        description="The explicit label in the served language, e.g. “AI-generated, "
        "reviewed by the editors”."
    )
    def label(self) -> str:
        return self._found.label

    @strawberry.field(
        description="The language the served version was converted from automatically "
        "(e.g. `zh-hans` for Traditional Chinese derived from Simplified); null for a "
        "version people wrote or translated."
    )
    def converted_from(self) -> str | None:
        return self._found.converted_from or None

    @strawberry.field(
        description="The notice, in the served language, that the text was converted "
        "automatically from another language's (also part of `label`); null when it was not."
    )
    def conversion_notice(self) -> str | None:
        return self._found.conversion or None

    @strawberry.field(description="The IPTC digital source type URI of the served version.")
    def digital_source_type(self) -> str:
        return self._found.iptc

    @strawberry.field(description="schema.org's `digitalSourceType` member for the version.")
    def schema_org_digital_source_type(self) -> str:
        return self._found.schema_org

    @strawberry.field(description="Whether AI wrote the served version (a translation included).")
    def ai_generated(self) -> bool:
        return self._found.ai_generated

    @strawberry.field(description="The review of the served text; null when none covers it.")
    def reviewed(self) -> DisclosureReview | None:
        review = self._found.review
        if review is None:
            return None
        return DisclosureReview(
            role=review.role, reviewed_at=review.at, edit_version=review.edit_version
        )

    @strawberry.field(
        description="The implicit label of GB 45438-2025: `Label`, `ContentProducer`, "
        "`ProduceID`, `ReservedCode1`, `ContentPropagator`, `PropagateID`, `ReservedCode2`; "
        "null for text a person wrote."
    )
    def aigc(self) -> JSON | None:
        return self._found.aigc


@strawberry.input(
    description="Implicit-label metadata (GB 45438-2025 `AIGC` fields) that came with the "
    "text: kept, so that its producer and content id travel on."
)
class AigcInput:
    label: str | None = strawberry.field(
        default=None, description="`Label`: `1` AI-generated, `2` may be, `3` suspected."
    )
    content_producer: str | None = strawberry.field(
        default=None, description="`ContentProducer`: who produced the content."
    )
    produce_id: str | None = strawberry.field(
        default=None, description="`ProduceID`: the producer's content id."
    )
    reserved_code1: str | None = strawberry.field(
        default=None, description="`ReservedCode1`: the producer's reserved field."
    )
    content_propagator: str | None = strawberry.field(
        default=None, description="`ContentPropagator`: who propagated it before."
    )
    propagate_id: str | None = strawberry.field(
        default=None, description="`PropagateID`: the previous propagator's id."
    )
    reserved_code2: str | None = strawberry.field(
        default=None, description="`ReservedCode2`: the propagator's reserved field."
    )

    def as_data(self):
        names = dict(
            zip(
                (
                    "label",
                    "content_producer",
                    "produce_id",
                    "reserved_code1",
                    "content_propagator",
                    "propagate_id",
                    "reserved_code2",
                ),
                disclosure.AIGC_FIELDS,
                strict=True,
            )
        )
        return {name: getattr(self, attr) for attr, name in names.items() if getattr(self, attr)}
