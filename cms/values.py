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


def time_fits(value):
    """Whether an aware datetime can be converted to UTC (and so stored or compared)."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        return False
    try:
        value.astimezone(UTC)
    except (OverflowError, ValueError):
        return False
    return True


def integer_fits(value):
    """Whether `value` is an integer (not a boolean) a 64-bit database column can hold."""
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and (BIGINT_MIN <= value <= BIGINT_MAX)
    )
