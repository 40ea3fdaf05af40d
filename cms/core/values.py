"""Whether a value a caller gave fits what the database can hold.

Python accepts times and integers that SQLite and PostgreSQL cannot store or compare
(a time in year 9999 five hours behind UTC is in year 10000 once converted; an integer
past 64 bits). Every path that takes such a value from outside asks here first, so that
it is refused as bad input instead of failing inside the database driver.
"""

from datetime import UTC, datetime

# The range of a 64-bit signed integer: primary keys and every integer column fit in it.
BIGINT_MIN = -(2**63)
BIGINT_MAX = 2**63 - 1


def in_utc(value):
    """An aware datetime converted to UTC, or None when it is naive or leaves years 1-9999.

    Callers pass the converted value on: PostgreSQL refuses offsets beyond ±15:59, which
    Python accepts up to ±23:59.
    """
    if not isinstance(value, datetime) or value.tzinfo is None:
        return None
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def time_fits(value):
    """Whether an aware datetime can be converted to UTC (and so stored or compared)."""
    return in_utc(value) is not None


def integer_fits(value):
    """Whether `value` is an integer (not a boolean) a 64-bit database column can hold."""
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and (BIGINT_MIN <= value <= BIGINT_MAX)
    )
