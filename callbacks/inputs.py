"""A callback receives whatever the browser, or a forged request, sends. These turn one raw input
value into the type the callback's plain function expects, or into a harmless default, so a
value of the wrong type is "nothing chosen" rather than a server error (tests/faults/test_fuzz.py)."""

from __future__ import annotations


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


def integers(value: object) -> list[int]:
    """Returns the whole numbers of a list (an empty list for anything else)."""
    return [v for v in value if integer(v) is not None] if isinstance(value, list) else []


def texts(value: object) -> list[str]:
    """Returns the strings of a list (an empty list for anything else)."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
