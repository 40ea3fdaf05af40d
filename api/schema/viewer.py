"""`viewer`: what a partner's key may do, and how much it has been used."""

from datetime import date, datetime, timedelta
from typing import Annotated

import strawberry
from django.utils import timezone
from django.utils.translation import gettext as _

from api.schema.errors import BadUserInput
from cms.models import ApiKey, ApiKeyUsage

MAX_USAGE_DAYS = 366


@strawberry.type(description="Requests made with a key on one day (UTC).")
class UsageDay:
    day: date = strawberry.field(description="The day.")
    requests: int = strawberry.field(description="Requests made that day.")


@strawberry.type(description="The partner calling, through the API key it presents.")
class Viewer:
    _key: strawberry.Private[ApiKey]

    @strawberry.field(description="The partner's name.")
    def partner(self) -> str:
        return self._key.partner.name

    @strawberry.field(description="The key's name.")
    def key_name(self) -> str:
        return self._key.name

    @strawberry.field(description="The key's visible prefix (the secret is never shown again).")
    def key_prefix(self) -> str:
        return self._key.prefix

    @strawberry.field(description="What the key may do: read, full_text, ingest, publish.")
    def scopes(self) -> list[str]:
        return list(self._key.scopes)

    @strawberry.field(description="Languages the key may be served in; empty means all.")
    def languages(self) -> list[str]:
        return list(self._key.languages)

    @strawberry.field(description="Tag slugs the key is limited to; empty means all.")
    def tags(self) -> list[str]:
        return sorted(tag.slug for tag in self._key.tags.all())

    @strawberry.field(description="Requests allowed per minute.")
    def per_minute(self) -> int:
        return self._key.per_minute

    @strawberry.field(description="Requests allowed per day.")
    def per_day(self) -> int:
        return self._key.per_day

    @strawberry.field(description="When the key stops working, if ever.")
    def expires_at(self) -> datetime | None:
        return self._key.expires_at

    @strawberry.field(description="Requests per day, most recent first.")
    def usage(
        self,
        days: Annotated[int, strawberry.argument(description="How many days back, 1 to 366.")] = 30,
    ) -> list[UsageDay]:
        if not 1 <= days <= MAX_USAGE_DAYS:
            raise BadUserInput(
                _("`days` must be between 1 and %(max)s; it was %(value)s.")
                % {"max": MAX_USAGE_DAYS, "value": days}
            )
        since = timezone.now().date() - timedelta(days=days - 1)
        rows = ApiKeyUsage.objects.filter(key=self._key, day__gte=since).order_by("-day")
        return [UsageDay(day=row.day, requests=row.requests) for row in rows]
