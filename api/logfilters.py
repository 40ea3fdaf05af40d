"""Logging filters: what must never be written to a log."""

import logging
import re

QUERY = re.compile(r"\?\S*")


class WithoutQueryString(logging.Filter):
    """Drop the query string from the development server's request lines.

    Feed URLs carry a partner's feed token (`?token=`); gunicorn's access log leaves the
    query out by its format (gunicorn.conf.py), and this does the same for `runserver`.
    """

    def filter(self, record):
        if record.args and isinstance(record.args, tuple) and isinstance(record.args[0], str):
            record.args = (QUERY.sub("", record.args[0], count=1), *record.args[1:])
        return True
