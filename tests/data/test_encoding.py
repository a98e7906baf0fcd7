"""SMS text encoding (data/encoding.py): GSM-7 or UCS-2, and the parts billed."""

from __future__ import annotations

from data.encoding import sms_encoding, strip_diacritics


def test_sms_encoding():
    assert sms_encoding("Promocja -20% na buty") == ("gsm7", 1)
    assert sms_encoding("a" * 160) == ("gsm7", 1)
    assert sms_encoding("a" * 161) == ("gsm7", 2)
    assert sms_encoding("a" * 307) == ("gsm7", 3)
    assert sms_encoding("€" * 80) == ("gsm7", 1)  # extension characters count twice
    assert sms_encoding("€" * 81) == ("gsm7", 2)
    assert sms_encoding("Café, Müller, Åsa, è à ö ü") == ("gsm7", 1)  # in GSM 03.38
    for letter in "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ–":
        assert sms_encoding(f"Promocja {letter}")[0] == "ucs2", letter
    assert sms_encoding("ż" * 70) == ("ucs2", 1)
    assert sms_encoding("ż" * 71) == ("ucs2", 2)
    assert sms_encoding("ż" * 135) == ("ucs2", 3)


def test_strip_diacritics():
    assert strip_diacritics("Zażółć gęślą jaźń – ŁÓDŹ") == "Zazolc gesla jazn - LODZ"
    assert sms_encoding(strip_diacritics("Wyprzedaż zimowa – sprawdź!"))[0] == "gsm7"
