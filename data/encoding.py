"""SMS text encoding (GSM 03.38): which alphabet a text goes in and how many parts are billed.

Shared by the ingest (a log without segments gets them from its text) and the demo
generator; it lives here so that the ingest never imports the demo.
"""

from __future__ import annotations

import unicodedata

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")


def sms_encoding(text: str) -> tuple[str, int]:
    """Returns (encoding, segments) of an SMS text: 'gsm7' or 'ucs2', parts billed.

    GSM 03.38 has é, ö, ü, à... but none of ą ć ę ł ń ó ś ź ż, nor the en dash, so
    a Polish text with diacritics goes as UCS-2 (70 characters, 67 per part when
    concatenated) instead of GSM-7 (160, 153 per part; extension characters count 2).
    """
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        units = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
        return "gsm7", 1 if units <= 160 else -(-units // 153)
    units = len(text.encode("utf-16-le")) // 2
    return "ucs2", 1 if units <= 70 else -(-units // 67)


_PL_ASCII = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ–—„”’", 'acelnoszzACELNOSZZ--""\'')


def strip_diacritics(text: str) -> str:
    """Returns `text` as Polish senders often send it to stay in GSM-7 (no ą, ł, ...)."""
    text = text.translate(_PL_ASCII)
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
