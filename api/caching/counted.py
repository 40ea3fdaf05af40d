"""Answers that show view and share counts, cached with a place for each count.

Counts move with every view; the content around them does not. So an answer that shows
counts is stored as its body cut around each count (`pieces`) and, for each cut, the
story and counter it shows (`counts`). A hit reads the current counts (with the entry, in
the same cache round trip: `api.caching.responses.lookup`) and joins the pieces with them,
so the entry keeps its content's lifetime while its counts stay current.

The cuts are found by encoding the answer once with a unique placeholder in place of
each count: a JSON string, made of a random token, that no content can contain.

Such an answer's ETag is a hash of its pieces' digest (kept in the entry) and the counts
shown, not of its bytes: the bytes follow from those two, so it is as strong, and a
revalidation compares it without joining the body or hashing its many kilobytes.
"""

import hashlib
import uuid
from dataclasses import dataclass

import orjson


@dataclass(frozen=True)
class Shown:
    """An encoded answer with its counts' places: `len(pieces) == len(counts) + 1`."""

    body: bytes
    pieces: tuple
    counts: tuple
    # The pieces' digest (`digest`) and the ETag of `body` (`etag`).
    content: bytes
    etag: str


def encode(body, shown, values):
    """`Shown` for the answer `body` (a dict), whose counts `shown` lists as (path, story
    id, counter) and `values` gives as (story id, counter) to count; None if it shows none.
    """
    if not shown:
        return None
    token = uuid.uuid4().hex
    data = body["data"]
    for index, (path, _story_id, _counter) in enumerate(shown):
        _place(data, path, f"{token}{index}")
    # Split where each placeholder stands (`"<token><index>"`): a split on the token
    # (no content holds it) rather than a pattern, compiled anew for every token.
    chunks = orjson.dumps(body).split(b'"' + token.encode())
    pieces, counts = [chunks[0]], []
    for chunk in chunks[1:]:
        index, _quote, rest = chunk.partition(b'"')
        counts.append(shown[int(index)][1:])
        pieces.append(rest)
    pieces, counts = tuple(pieces), tuple(counts)
    if len(counts) != len(shown):
        raise AssertionError("a count of the answer was not found where it was shown")
    shown = digits(values.get(count, 0) for count in counts)
    content = digest(pieces)
    return Shown(
        body=join(pieces, shown),
        pieces=pieces,
        counts=counts,
        content=content,
        etag=etag(content, shown),
    )


def _place(data, path, value):
    *parents, last = path
    for step in parents:
        data = data[step]
    data[last] = value


def digits(numbers):
    """Each count as the body and the ETag show it."""
    return [b"%d" % number for number in numbers]


def join(pieces, shown):
    """The body: `pieces` joined by `shown` (`digits`)."""
    parts = [b""] * (2 * len(pieces) - 1)
    parts[0::2] = pieces
    parts[1::2] = shown
    return b"".join(parts)


def digest(pieces):
    """The SHA-256 of what an answer shows besides its counts: each piece with its length."""
    hashed = hashlib.sha256()
    for piece in pieces:
        hashed.update(b"%d:" % len(piece))
        hashed.update(piece)
    return hashed.digest()


def etag(content, shown):
    """The strong ETag of the answer whose pieces have the digest `content`, showing the
    counts `shown` (`digits`): it changes with any count, and with the content."""
    return '"' + hashlib.sha256(content + b",".join(shown)).hexdigest()[:40] + '"'
