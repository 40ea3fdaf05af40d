"""Log records that know their request: the request id, and one JSON object per line.

`DJANGO_LOG_FORMAT=json` selects `JsonFormatter` in settings.LOGGING. The request being
served is kept in a context variable, so a record logged anywhere while it is served carries
its id. The middleware sets it; it is cleared when the request finishes, after Django has
logged the response (its "Service Unavailable: /graphql" lines carry the id too). The id is
read when the record is made: the GraphQL view assigns `request.request_id` after the
middleware has run.
"""

import logging
from contextvars import ContextVar
from datetime import UTC, datetime

import orjson

current_request = ContextVar("current_request", default=None)


def forget_request(**kwargs):
    """Receiver of request_finished: records made from now on belong to no request."""
    current_request.set(None)


def request_id():
    """The id of the request being served in this context, or None."""
    return getattr(current_request.get(), "request_id", None)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (None outside a request or before it has one)."""

    def filter(self, record):
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, and request_id when known."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if getattr(record, "request_id", None):
            entry["request_id"] = record.request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(entry, default=str).decode()
