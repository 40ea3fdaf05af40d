"""Open subscriptions counted across every process: a key (or an address) may hold at most
`limit` at once. Each open subscription leases one of its caller's numbered slots in the
shared cache (Redis in production): `add` takes a free one atomically, a renewal keeps it,
closing gives it back. A process that dies without closing gives its slots back when their
leases run out, so a crash never locks a caller out for longer than a lease.
"""

import asyncio
import contextlib
import uuid

from django.core.cache import cache

# A lease outlives two missed renewals.
LEASE_SECONDS = 90
RENEW_SECONDS = 30


class Slot:
    """One leased slot, renewed until released."""

    def __init__(self, key=None, token=None):
        self.key = key
        self.token = token
        self._renewing = asyncio.ensure_future(self._renew()) if key else None

    async def _renew(self):
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            with contextlib.suppress(Exception):
                await cache.atouch(self.key, LEASE_SECONDS)

    async def release(self):
        if self._renewing is None:
            return
        self._renewing.cancel()
        self._renewing = None
        # Only our own lease: an expired one may have been taken by someone else since.
        if await cache.aget(self.key) == self.token:
            await cache.adelete(self.key)


def slot_keys(subject, limit):
    return [f"subscriptions:{subject}:{number}" for number in range(limit)]


async def take(subject, limit):
    """A slot of `subject`'s `limit`, or None when all are held (`limit` 0: no bound)."""
    if limit <= 0:
        return Slot()
    keys = slot_keys(subject, limit)
    held = await cache.aget_many(keys)
    token = uuid.uuid4().hex
    for key in keys:
        if key not in held and await cache.aadd(key, token, LEASE_SECONDS):
            return Slot(key, token)
    return None


async def held(subject, limit):
    """How many of `subject`'s slots are held now."""
    return len(await cache.aget_many(slot_keys(subject, limit)))
