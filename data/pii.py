"""Personal data shown on screen: phone numbers are masked (DESIGN.md, msisdn is PII).

Only downloads, which users make on purpose and which the server checks again, carry
full numbers; lists on a page show `mask_msisdn(...)`.
"""

from __future__ import annotations

import phonenumbers

MASK = "*"


def _grouped(digits: str) -> str:
    return " ".join(digits[i : i + 3] for i in range(0, len(digits), 3))


def mask_msisdn(e164: str | None) -> str:
    """Returns a number with all but its country code, first three and last two digits hidden.

    "+48600123400" -> "+48 600 *** *00". A number that does not parse keeps its
    first four and last two characters; None or "" give "".
    """
    if not e164:
        return ""
    text = e164.strip()
    try:
        parsed = phonenumbers.parse(text if text.startswith("+") else "+" + text, None)
        country, national = str(parsed.country_code), str(parsed.national_number)
    except phonenumbers.NumberParseException:
        country, national = "", ""
    if country and len(national) >= 6 and text.lstrip("+").endswith(national):
        hidden = national[:3] + MASK * (len(national) - 5) + national[-2:]
        if len(national) % 3 == 0:
            return f"+{country} {_grouped(hidden)}"
        return f"+{country} {hidden[:3]} {hidden[3:-2]} {hidden[-2:]}"
    if len(text) <= 6:
        return MASK * len(text)
    return text[:4] + MASK * (len(text) - 6) + text[-2:]
