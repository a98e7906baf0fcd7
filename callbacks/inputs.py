"""A callback receives whatever the browser, or a forged request, sends. These turn one raw input
value into the type the callback's plain function expects, or into a harmless default, so a
value of the wrong type is "nothing chosen" rather than a server error (tests/faults/test_fuzz.py)."""

from __future__ import annotations

import re

WHOLE_RE = re.compile(r"[0-9]{1,18}")


class InputRefused(ValueError):
    """A callback input asks for more than any page sends (e.g. more open rows than MAX_OPEN_ROWS): the request
    is refused as bad input (400, web/routes.py), not answered at a cost. The text says why (server log)."""


def text(value: object) -> str | None:
    """Returns `value` when it is a string, else None."""
    return value if isinstance(value, str) else None


def record(value: object) -> dict | None:
    """Returns `value` when it is a JSON object, else None."""
    return value if isinstance(value, dict) else None


def records(value: object) -> list[dict]:
    """Returns the JSON objects of a list (an empty list for anything else)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def integer(value: object) -> int | None:
    """Returns `value` when it is a whole number (not a boolean), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def whole(value: object) -> int | None:
    """Returns an id given as a whole number or as its digits ("42"; 1-18 ASCII digits: "²" and "٣" are
    digits to str methods, and thousands of them are more than int() takes), else None."""
    if isinstance(value, str):
        return int(value) if WHOLE_RE.fullmatch(value) else None
    value = integer(value)
    return value if value is not None and abs(value) < 10**18 else None


def integers(value: object) -> list[int]:
    """Returns the whole numbers of a list (an empty list for anything else)."""
    return [v for v in value if integer(v) is not None] if isinstance(value, list) else []


def texts(value: object) -> list[str]:
    """Returns the strings of a list (an empty list for anything else)."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
