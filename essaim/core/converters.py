"""URL converters: an id in a path is a positive integer the database can hold."""

from django.urls import register_converter

# The largest value of a 64-bit signed integer column (SQLite's INTEGER, PostgreSQL's bigint).
MAX_ID = 2**63 - 1


class IdConverter:
    """Like Django's `int`, but a number too large for the database is no match (a 404), not a
    query that fails (a 500)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError(value)
        return number

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")
