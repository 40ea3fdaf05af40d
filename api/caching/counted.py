"""Answers that show view and share counts, cached with a place for each count.

Counts move with every view; the content around them does not. So an answer that shows
counts is stored as its body cut around each count (`pieces`) and, for each cut, the
story and counter it shows (`counts`). A hit reads the current counts (with the entry, in
the same cache round trip: `api.caching.responses.lookup`) and joins the pieces with them,
so the entry keeps its content's lifetime while its counts stay current.

The cuts are found by encoding the answer once with a unique placeholder in place of
each count: a JSON string, made of a random token, that no content can contain.
"""

import uuid
from dataclasses import dataclass

import orjson


@dataclass(frozen=True)
class Shown:
    """An encoded answer with its counts' places: `len(pieces) == len(counts) + 1`."""

    body: bytes
    pieces: tuple
    counts: tuple


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
    return Shown(body=fill(pieces, counts, values), pieces=pieces, counts=counts)


def _place(data, path, value):
    *parents, last = path
    for step in parents:
        data = data[step]
    data[last] = value


def fill(pieces, counts, values):
    """The body: `pieces` joined by the current value of each of `counts`."""
    out = [pieces[0]]
    for count, piece in zip(counts, pieces[1:], strict=True):
        out.append(str(values.get(count, 0)).encode())
        out.append(piece)
    return b"".join(out)
