"""The message catalogs: the same keys and placeholders in every language, counted messages in every
plural form a language has."""

from __future__ import annotations

import re
import string

import pytest

from i18n import CATALOGS, fmt_decimal, fmt_duration, plural_categories, t


def placeholders(entry) -> set[str]:
    """Returns the placeholder names of a catalog entry (all forms of a counted one)."""
    texts = [entry] if isinstance(entry, str) else list(entry.values())
    return {name for text in texts for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def texts(entry) -> list[str]:
    return [entry] if isinstance(entry, str) else list(entry.values())


def test_catalogs_have_the_same_keys_and_placeholders():
    pl, en = CATALOGS["pl"], CATALOGS["en"]
    assert set(pl) == set(en), set(pl) ^ set(en)
    assert {k for k in pl if placeholders(pl[k]) != placeholders(en[k])} == set()


def test_a_message_with_a_count_has_every_plural_form_of_its_language():
    for lang, catalog in CATALOGS.items():
        for key, entry in catalog.items():
            counted = "n" in placeholders(entry)
            assert counted == (not isinstance(entry, str)), f"{lang} {key}: {{n}} is a count, and a count is plural"
            if counted:
                assert set(entry) == plural_categories(lang), (lang, key, sorted(entry))
    assert plural_categories("pl") == {"one", "few", "many", "other"} and plural_categories("en") == {"one", "other"}


def test_no_message_leaves_its_plural_to_the_reader():
    hedged = re.compile(r"\w\((s|es|y|i|e|ów|ek|ki)\)")
    found = [
        (lang, key, x) for lang, c in CATALOGS.items() for key, e in c.items() for x in texts(e) if hedged.search(x)
    ]
    assert found == []


AUDIT_PL = "Pobrania, eksporty, zmiany kampanii, logowania i odmowy, od najnowszych (pokazano {}). Nikt nie może go zmienić z aplikacji."
AUDIT_EN = (
    "Downloads, exports, campaign changes, log-ins and refusals, newest first ({}). Nobody can change it from the app."
)
#: Every counted message as a reader should see it for 1, 2, 5, 12, 22 and 25 in Polish and 1 and 2 in English.
COUNTED = {
    "history.count": (
        {},
        ["1 wysyłka w okresie", "2 wysyłki w okresie", "5 wysyłek w okresie", "12 wysyłek w okresie",
         "22 wysyłki w okresie", "25 wysyłek w okresie"],
        ["1 dispatch in the period", "2 dispatches in the period"],
    ),
    "campaign.error.name_long": (
        {},
        ["Nazwa kampanii może mieć najwyżej 1 znak.", "Nazwa kampanii może mieć najwyżej 2 znaki.",
         "Nazwa kampanii może mieć najwyżej 5 znaków.", "Nazwa kampanii może mieć najwyżej 12 znaków.",
         "Nazwa kampanii może mieć najwyżej 22 znaki.", "Nazwa kampanii może mieć najwyżej 25 znaków."],
        ["A campaign name can have at most 1 character.", "A campaign name can have at most 2 characters."],
    ),
    "campaign.error.would_move": (
        {"dispatches": "d1 (A)"},
        ["Ta wysyłka jest już w innej kampanii i zostałaby przeniesiona: d1 (A).",
         "Te 2 wysyłki są już w innych kampaniach i zostałyby przeniesione: d1 (A).",
         "Tych 5 wysyłek jest już w innych kampaniach i zostałoby przeniesionych: d1 (A).",
         "Tych 12 wysyłek jest już w innych kampaniach i zostałoby przeniesionych: d1 (A).",
         "Te 22 wysyłki są już w innych kampaniach i zostałyby przeniesione: d1 (A).",
         "Tych 25 wysyłek jest już w innych kampaniach i zostałoby przeniesionych: d1 (A)."],
        ["This dispatch is already in another campaign and would be moved: d1 (A).",
         "These 2 dispatches are already in other campaigns and would be moved: d1 (A)."],
    ),
    "campaign.error.not_member": (
        {"ids": "d7"},
        ["Ta wysyłka nie należy do żadnej kampanii: d7.", "Te 2 wysyłki nie należą do żadnej kampanii: d7.",
         "Tych 5 wysyłek nie należy do żadnej kampanii: d7.", "Tych 12 wysyłek nie należy do żadnej kampanii: d7.",
         "Te 22 wysyłki nie należą do żadnej kampanii: d7.", "Tych 25 wysyłek nie należy do żadnej kampanii: d7."],
        ["This dispatch is in no campaign: d7.", "These 2 dispatches are in no campaign: d7."],
    ),
    "camp.filter_count": (
        {},
        ["1 pasująca wysyłka", "2 pasujące wysyłki", "5 pasujących wysyłek", "12 pasujących wysyłek",
         "22 pasujące wysyłki", "25 pasujących wysyłek"],
        ["1 matching dispatch", "2 matching dispatches"],
    ),
    "camp.did.group": (
        {"name": "Jesień"},
        ["Zgrupowano 1 wysyłkę w kampanii „Jesień”", "Zgrupowano 2 wysyłki w kampanii „Jesień”",
         "Zgrupowano 5 wysyłek w kampanii „Jesień”", "Zgrupowano 12 wysyłek w kampanii „Jesień”",
         "Zgrupowano 22 wysyłki w kampanii „Jesień”", "Zgrupowano 25 wysyłek w kampanii „Jesień”"],
        ['Grouped 1 dispatch in campaign "Jesień"', 'Grouped 2 dispatches in campaign "Jesień"'],
    ),
    "camp.did.ungroup": (
        {"dispatches": "…"},
        ["Rozgrupowano 1 kampanię (…)", "Rozgrupowano 2 kampanie (…)", "Rozgrupowano 5 kampanii (…)",
         "Rozgrupowano 12 kampanii (…)", "Rozgrupowano 22 kampanie (…)", "Rozgrupowano 25 kampanii (…)"],
        ["Ungrouped 1 campaign (…)", "Ungrouped 2 campaigns (…)"],
    ),
    "camp.did.add": (
        {},
        ["Dodano 1 wysyłkę do kampanii", "Dodano 2 wysyłki do kampanii", "Dodano 5 wysyłek do kampanii",
         "Dodano 12 wysyłek do kampanii", "Dodano 22 wysyłki do kampanii", "Dodano 25 wysyłek do kampanii"],
        ["Added 1 dispatch to the campaign", "Added 2 dispatches to the campaign"],
    ),
    "camp.did.remove": (
        {},
        ["Usunięto 1 wysyłkę z kampanii", "Usunięto 2 wysyłki z kampanii", "Usunięto 5 wysyłek z kampanii",
         "Usunięto 12 wysyłek z kampanii", "Usunięto 22 wysyłki z kampanii", "Usunięto 25 wysyłek z kampanii"],
        ["Removed 1 dispatch from its campaign", "Removed 2 dispatches from their campaigns"],
    ),
    "camp.did.rule-join": (
        {},
        ["Reguły kampanii dołączyły 1 wysyłkę", "Reguły kampanii dołączyły 2 wysyłki",
         "Reguły kampanii dołączyły 5 wysyłek", "Reguły kampanii dołączyły 12 wysyłek",
         "Reguły kampanii dołączyły 22 wysyłki", "Reguły kampanii dołączyły 25 wysyłek"],
        ["Campaign rules added 1 dispatch", "Campaign rules added 2 dispatches"],
    ),
    "camp.dispatches": (
        {},
        ["1 wysyłka", "2 wysyłki", "5 wysyłek", "12 wysyłek", "22 wysyłki", "25 wysyłek"],
        ["1 dispatch", "2 dispatches"],
    ),
    "trx.table.count": (
        {},
        ["1 kampania w okresie", "2 kampanie w okresie", "5 kampanii w okresie", "12 kampanii w okresie",
         "22 kampanie w okresie", "25 kampanii w okresie"],
        ["1 campaign in the period", "2 campaigns in the period"],
    ),
    "trx.detail.delay_count": (
        {},
        ["1 kliknięta wiadomość", "2 kliknięte wiadomości", "5 klikniętych wiadomości", "12 klikniętych wiadomości",
         "22 kliknięte wiadomości", "25 klikniętych wiadomości"],
        ["1 clicked message", "2 clicked messages"],
    ),
    "admin.audit_hint": (
        {},
        [AUDIT_PL.format(f) for f in ("1 zdarzenie", "2 zdarzenia", "5 zdarzeń", "12 zdarzeń", "22 zdarzenia",
                                      "25 zdarzeń")],
        [AUDIT_EN.format("1 event shown"), AUDIT_EN.format("2 events shown")],
    ),
    "users.error.password": (
        {},
        ["Hasło musi mieć co najmniej 1 znak.", "Hasło musi mieć co najmniej 2 znaki.",
         "Hasło musi mieć co najmniej 5 znaków.", "Hasło musi mieć co najmniej 12 znaków.",
         "Hasło musi mieć co najmniej 22 znaki.", "Hasło musi mieć co najmniej 25 znaków."],
        ["The password must have at least 1 character.", "The password must have at least 2 characters."],
    ),
}  # fmt: skip


def test_every_counted_message_is_checked_here():
    counted = {k for k, e in CATALOGS["pl"].items() if not isinstance(e, str)}
    assert counted == set(COUNTED), "add the new counted message's expected forms to COUNTED"


@pytest.mark.parametrize("key", sorted(COUNTED))
def test_counted_messages_read_right_for_1_2_5_12_22_25(key):
    values, pl, en = COUNTED[key]
    assert [t("pl", key, n=n, **values) for n in (1, 2, 5, 12, 22, 25)] == pl
    assert [t("en", key, n=n, **values) for n in (1, 2)] == en


def test_a_count_is_written_with_the_languages_grouping_and_must_be_given():
    assert t("pl", "camp.dispatches", n=1_234_567) == "1\xa0234\xa0567 wysyłek"
    assert t("en", "camp.dispatches", n=1_234_567) == "1,234,567 dispatches"
    with pytest.raises(TypeError, match="counted"):
        t("pl", "camp.dispatches")


def test_durations_and_decimals():
    assert [fmt_duration(s, "pl") for s in (9, 61, 3599, 3 * 3600 + 1250, 2 * 86400 + 4 * 3600)] == [
        "9 s",
        "1 min",
        "59 min",
        "3 h 20 min",
        "2 d 4 h",
    ]
    assert fmt_duration(None, "en") == "—"
    assert fmt_decimal(1.255, "pl", 2) == "1,26" and fmt_decimal(1234.5, "en", 1) == "1,234.5"


@pytest.mark.parametrize("lang", ["pl", "en", "xx"])
def test_whole_numbers_are_grouped_as_babel_groups_them(lang):
    # fmt_int writes what babel's "#,##0" pattern writes, without parsing it for every cell
    from babel.numbers import format_decimal

    from i18n import LOCALES, fmt_int, lang_or_default

    locale = LOCALES[lang_or_default(lang)]
    for value in (0, 7, -7, 999, 1000, -1725, 13180, 999_999, 1_234_567, -98_765_432_109, 2**62, 1725.9):
        assert fmt_int(value, lang) == format_decimal(int(value), format="#,##0", locale=locale)
    assert fmt_int(1725, "pl") == "1\xa0725" and fmt_int(1725, "en") == "1,725"
