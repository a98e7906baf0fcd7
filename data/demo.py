"""A deterministic generator of a realistic demo lake (DESIGN.md, "The lake").

`build_demo(lake, until=...)` writes about 18-19 months of SMS delivery logs of a
Polish retailer: bulk dispatches (marketing), test sends before them, and
transactional API traffic (order confirmations, 2FA codes, password resets,
appointment reminders), with delivery outcomes, non-delivery reasons, provider raw
codes, prices and link clicks (human and bot).

Properties the rest of the project relies on:
- Same arguments -> byte-identical Parquet files. Every random draw comes from
  numpy's PCG64 seeded from `seed` (one stream for the plan, one per month, one for
  the `big_dispatch`), and nothing reads the clock.
- Vectorized: numpy/pyarrow over slices of a month's messages; Python loops only
  per dispatch, per day, per month and per slice. No Python object per row: ids and
  phone numbers are built as bytes from integers, the other strings are dictionary
  columns. 2,000,000 messages build in a few seconds, 100,000,000 in a few minutes.
- Month by month, in bounded memory: the plan (dispatches, their sizes and times,
  messages per day, the recipients) is small and made first. Then each UTC month's
  messages are planned as integer arrays, put in file order (dispatch_id,
  created_at) and built and written a slice at a time by a background thread, while
  the next slice is built; the month's clicks are sorted and written after it. Rows
  that spill into a later month (a dispatch sent across midnight at the end of a
  month, clicks days later) are carried over, so each month partition is written
  once, whole (one file each for messages and clicks).
- The lake is built as a new version (`data.lake.transaction(fresh=True)`) with its
  rollups, published in one atomic step; a failure leaves the old lake as it was.
- "Now" is the end of the `until` day in `tz`: nothing happens after it. Messages
  whose final status would come later are `pending` (all within the last three
  days); clicks that would come later are not there.
"""
from __future__ import annotations

import math
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from numpy.random import PCG64, Generator

from data import clicks as click_rules
from data import schema
from data.encoding import sms_encoding, strip_diacritics
from data.lake import (CLICKS_STATISTICS, COMPRESSION, MESSAGES_STATISTICS, ROW_GROUP_ROWS, Lake, column_encoding,
                       dictionary_columns, transaction, write_dispatches)
from data.rollups import build_rollups
from data.schema import Reason, Status

US = 1_000_000  # microseconds per second
HOUR = 3600 * US
DAY = 24 * HOUR

ProgressFn = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DemoSummary:
    """What `build_demo` wrote."""

    messages: int  # all message rows (bulk + test + api, including big_dispatch)
    dispatches: int  # bulk dispatches (including big_dispatch)
    clicks: int  # click rows (human and bot)
    months: int  # calendar months (in tz) from first_day to last_day
    first_day: date  # first day with data, in tz
    last_day: date  # == until


# --------------------------------------------------------------------------- #
# Vocabulary
# --------------------------------------------------------------------------- #

PROVIDERS = ("smsapi", "infobip", "twilio")
# price per segment (PLN) by provider: before / after the price list change half way
PRICE_PER_SEGMENT = ((0.089, 0.079), (0.115, 0.109), (0.158, 0.145))

OPERATORS = ("Orange", "Play", "Plus", "T-Mobile", "Heyah", "Plush", "Virgin Mobile")
OPERATOR_SHARES = np.array([0.268, 0.287, 0.226, 0.178, 0.019, 0.012, 0.010])
NO_OPERATOR = len(OPERATORS)

# Real Polish mobile ranges (all valid for phonenumbers): +48 5x/6x/7x/88 + 7 digits.
MOBILE_PREFIXES = (50, 51, 53, 57, 60, 66, 69, 72, 73, 78, 79, 88)

# Outcomes: (status, reason). Index 0 = delivered; 1..10 are drawn from failure
# rates; 11, 12 come from the number itself; 13 (pending) from time.
OUTCOMES: tuple[tuple[Status, Reason | None], ...] = (
    (Status.DELIVERED, None),
    (Status.UNDELIVERED, Reason.ABSENT_SUBSCRIBER),
    (Status.UNDELIVERED, Reason.UNKNOWN_SUBSCRIBER),
    (Status.EXPIRED, Reason.EXPIRED_VALIDITY),
    (Status.REJECTED, Reason.CARRIER_FILTERED),
    (Status.REJECTED, Reason.SENDER_COMPLIANCE),
    (Status.REJECTED, Reason.BARRED_OR_OPTED_OUT),
    (Status.FAILED, Reason.PLATFORM_ERROR),
    (Status.FAILED, Reason.ROUTING_ERROR),
    (Status.FAILED, Reason.NETWORK_ERROR),
    (Status.UNKNOWN, Reason.NO_DLR),
    (Status.UNDELIVERED, Reason.LANDLINE_UNSUPPORTED),
    (Status.NOT_SENT, Reason.INVALID_NUMBER),
    (Status.PENDING, None),
)
O_DELIVERED, O_ABSENT, O_UNKNOWN_SUB, O_EXPIRED = 0, 1, 2, 3
O_FILTERED, O_COMPLIANCE, O_BARRED = 4, 5, 6
O_PLATFORM, O_ROUTING, O_NETWORK, O_NO_DLR = 7, 8, 9, 10
O_LANDLINE, O_INVALID, O_PENDING = 11, 12, 13
N_OUTCOMES = len(OUTCOMES)

# Base failure rates of outcomes 1..10 for a valid mobile number.
BASE_FAILURE = np.array([0.0090, 0.0045, 0.0050, 0.0030, 0.0008, 0.0030, 0.0006, 0.0010, 0.0015, 0.0035])
# Each operator's failure profile: multipliers of BASE_FAILURE.
OPERATOR_PROFILE = np.array(
    [
        # absent unkn  expir filt  compl barr  platf rout  netw  nodlr
        [1.0, 1.0, 1.0, 0.6, 1.0, 1.0, 1.0, 0.8, 1.8, 0.8],  # Orange: more network errors
        [0.9, 0.9, 0.8, 3.5, 1.6, 1.0, 1.0, 1.0, 0.8, 0.7],  # Play: strict spam filter
        [1.8, 1.0, 1.2, 0.7, 0.8, 1.1, 1.0, 1.0, 1.0, 1.0],  # Plus: more absent subscribers
        [1.0, 1.1, 1.7, 0.8, 1.0, 1.0, 1.0, 2.2, 1.0, 1.3],  # T-Mobile: expiries, routing
        [2.6, 2.2, 1.5, 1.0, 1.0, 1.2, 1.0, 1.5, 1.0, 1.5],  # Heyah (prepaid): churn
        [1.8, 2.8, 1.2, 1.0, 1.0, 2.2, 1.0, 1.0, 1.0, 1.2],  # Plush (prepaid): churn, opt-outs
        [1.2, 1.5, 1.0, 2.8, 1.2, 1.0, 1.0, 1.8, 1.0, 3.5],  # Virgin Mobile (MVNO): few DLRs
    ]
)

# raw_status, raw_error per provider and outcome (what each provider reports).
RAW_CODES: dict[str, tuple[tuple[str | None, str | None], ...]] = {
    # SMPP-style delivery receipts (stat / err)
    "smsapi": (
        ("DELIVRD", "000"),
        ("UNDELIV", "027"),
        ("UNDELIV", "001"),
        ("EXPIRED", "000"),
        ("REJECTD", "069"),
        ("REJECTD", "088"),
        ("UNDELIV", "013"),
        ("REJECTD", "008"),
        ("UNDELIV", "021"),
        ("UNDELIV", "034"),
        ("UNKNOWN", "000"),
        ("UNDELIV", "011"),
        ("REJECTD", "00B"),
        ("ENROUTE", None),
    ),
    "infobip": (
        ("DELIVERED_TO_HANDSET", "NO_ERROR"),
        ("UNDELIVERABLE_NOT_DELIVERED", "EC_ABSENT_SUBSCRIBER"),
        ("UNDELIVERABLE_NOT_DELIVERED", "EC_UNKNOWN_SUBSCRIBER"),
        ("EXPIRED_EXPIRED", "NO_ERROR"),
        ("UNDELIVERABLE_REJECTED_OPERATOR", "EC_MESSAGE_FILTERED"),
        ("REJECTED_SOURCE", "EC_SENDER_NOT_REGISTERED"),
        ("UNDELIVERABLE_NOT_DELIVERED", "EC_CALL_BARRED"),
        ("UNDELIVERABLE_NOT_DELIVERED", "EC_INTERNAL_ERROR"),
        ("REJECTED_NETWORK", "EC_NO_ROUTE"),
        ("UNDELIVERABLE_NOT_DELIVERED", "EC_SYSTEM_FAILURE"),
        ("EXPIRED_DLR_UNKNOWN", "NO_ERROR"),
        ("UNDELIVERABLE_NOT_DELIVERED", "EC_TELESERVICE_NOT_PROVISIONED"),
        ("REJECTED_DESTINATION", "EC_INVALID_DESTINATION_ADDRESS"),
        ("PENDING_ENROUTE", None),
    ),
    "twilio": (
        ("delivered", None),
        ("undelivered", "30003"),
        ("undelivered", "30005"),
        ("failed", "30001"),
        ("undelivered", "30007"),
        ("undelivered", "30034"),
        ("failed", "21610"),
        ("failed", "30002"),
        ("failed", "21408"),
        ("undelivered", "30008"),
        ("sent", None),
        ("undelivered", "30006"),
        ("failed", "21211"),
        ("sending", None),
    ),
}

SENDERS = ("SKLEP", "SKLEP.PL", "OUTLET", "KLUBVIP")

# Recipient groups, from small to large (a dispatch gets one of its size class).
GROUPS_SMALL = (
    "Klienci VIP",
    "Program lojalnościowy – Złoty",
    "Warszawa – lojalnościowi",
    "Kraków – lojalnościowi",
    "Trójmiasto – lojalnościowi",
    "Wrocław i okolice",
    "Porzucone koszyki (7 dni)",
    "Nowi klienci (30 dni)",
    "Solenizanci tygodnia",
)
GROUPS_MEDIUM = (
    "Newsletter",
    "Klienci aktywni (90 dni)",
    "Klienci nieaktywni 6 mies.",
    "Kobiety 25–45",
    "Rodzice – dział dziecięcy",
    "Poznań i Łódź",
    "Śląsk – klienci sklepów stacjonarnych",
)
GROUPS_LARGE = (
    "Wszyscy klienci – zgoda marketingowa",
    "Newsletter – cała baza",
    "Program lojalnościowy – wszyscy",
)

MONTHS_PL = ("styczeń", "luty", "marzec", "kwiecień", "maj", "czerwiec", "lipiec", "sierpień", "wrzesień",
             "październik", "listopad", "grudzień")
# (in the city, the city)
CITIES = (("Krakowie", "Kraków"), ("Gdańsku", "Gdańsk"), ("Wrocławiu", "Wrocław"), ("Poznaniu", "Poznań"),
          ("Łodzi", "Łódź"), ("Katowicach", "Katowice"), ("Lublinie", "Lublin"), ("Rzeszowie", "Rzeszów"))
STREETS = ("Długa 12", "Piotrkowska 104", "Świętojańska 21", "Półwiejska 42", "Mariacka 5", "Krakowska 8")


@dataclass(frozen=True)
class _Theme:
    name: str
    months: tuple[int, ...]  # () = any month
    code: str  # discount code stem
    description: str
    text: str  # with diacritics; placeholders {brand} {pct} {code} {link} {date} {city} {street} {pts}
    weight: float = 1.0


THEMES: tuple[_Theme, ...] = (
    _Theme("Black Friday", (11,), "BF", "Black Friday: rabat na cały asortyment",
           "{brand}: Black Friday już trwa! -{pct}% na wszystko z kodem {code}. Tylko do niedzieli: {link}", 4),
    _Theme("Cyber Monday", (11, 12), "CM", "Cyber Monday: rabat tylko online",
           "{brand}: Cyber Monday – tylko dziś -{pct}% online z kodem {code}. {link}", 2),
    _Theme("Dzień Singla 11.11", (11,), "SINGLE", "11.11: rabat na drugi produkt",
           "{brand}: 11.11 Dzień Singla – -{pct}% na drugi produkt. Tylko dziś! {link}", 1),
    _Theme("Mikołajki", (12,), "MIKOLAJ", "Mikołajki: zabawki i słodycze",
           "{brand}: Na Mikołajki prezent od nas: -{pct}% na zabawki i słodycze do {date}. {link}", 2),
    _Theme("Prezenty świąteczne", (12,), "SWIETA", "Dostawa przed Wigilią",
           "{brand}: Prezenty na Święta z dostawą przed Wigilią! Zamów do {date}, a my zdążymy. {link}", 3),
    _Theme("Wyprzedaż zimowa", (1, 2), "ZIMA", "Wyprzedaż sezonowa: kurtki, buty, swetry",
           "{brand}: Wielka wyprzedaż zimowa – rabaty do -{pct}% na kurtki, buty i swetry. Sprawdź: {link}", 3),
    _Theme("Walentynki", (2,), "LOVE", "Perfumy i biżuteria na Walentynki",
           "{brand}: Walentynki tuż-tuż! Perfumy i biżuteria -{pct}% z kodem {code} do {date}. {link}", 2),
    _Theme("Dzień Kobiet", (3,), "KOBIETY", "8 marca: kosmetyki i kwiaty",
           "{brand}: Z okazji Dnia Kobiet -{pct}% na kosmetyki i kwiaty. Tylko {date}! {link}", 2),
    _Theme("Kolekcja wiosenna", (3, 4), "WIOSNA", "Premiera kolekcji wiosennej",
           "{brand}: Nowa kolekcja wiosenna już w sklepach i online. Na start -{pct}% z kodem {code}: {link}", 2),
    _Theme("Wielkanoc", (3, 4), "JAJKO", "Dekoracje i dostawa 24h przed świętami",
           "{brand}: Wielkanocne zakupy bez stresu – dostawa w 24h i -{pct}% na dekoracje. {link}", 2),
    _Theme("Majówka", (4, 5), "MAJOWKA", "Grill, ogród, camping",
           "{brand}: Majówka z rabatem! -{pct}% na grille, meble ogrodowe i namioty do {date}. {link}", 2),
    _Theme("Dzień Matki", (5,), "MAMA", "Prezenty na Dzień Matki",
           "{brand}: Dzień Matki 26 maja. Wybierz prezent z rabatem {pct}% – kod {code}. {link}", 2),
    _Theme("Dzień Dziecka", (5, 6), "DZIECKO", "Zabawki na 1 czerwca",
           "{brand}: Na Dzień Dziecka zabawki -{pct}%! Oferta ważna do {date}. {link}", 2),
    _Theme("Dzień Ojca", (6,), "TATA", "Narzędzia i elektronika na Dzień Ojca",
           "{brand}: Dzień Ojca 23 czerwca – narzędzia i elektronika -{pct}% z kodem {code}. {link}", 1),
    _Theme("Wakacyjna wyprzedaż", (6, 7, 8), "LATO", "Stroje kąpielowe, okulary, walizki",
           "{brand}: Wakacyjna wyprzedaż: stroje kąpielowe, okulary i walizki do -{pct}%. {link}", 3),
    _Theme("Powrót do szkoły", (8, 9), "SZKOLA", "Plecaki i przybory szkolne",
           "{brand}: Powrót do szkoły! Plecaki i przybory -{pct}% z kodem {code} do {date}. {link}", 3),
    _Theme("Kolekcja jesienna", (9, 10), "JESIEN", "Płaszcze i swetry z nowej kolekcji",
           "{brand}: Jesień w nowym stylu – płaszcze i swetry z nowej kolekcji -{pct}%. {link}", 2),
    _Theme("Halloween", (10,), "BOO", "Kostiumy i dekoracje",
           "{brand}: Halloween! Kostiumy i dekoracje -{pct}% tylko do {date}. {link}", 1),
    _Theme("Porzucony koszyk", (), "KOSZYK", "Przypomnienie o porzuconym koszyku, darmowa dostawa",
           "{brand}: Twój koszyk czeka! Dokończ zamówienie, a dostawa będzie gratis: {link}", 3),
    _Theme("Darmowa dostawa w weekend", (), "DOSTAWA", "Darmowa dostawa od 1 zł",
           "{brand}: W ten weekend darmowa dostawa od 1 zł. Zamów do niedzieli: {link}", 2),
    _Theme("Urodziny sklepu", (), "URODZINY", "Rabat urodzinowy na wszystko",
           "{brand}: Mamy urodziny i to Ty dostajesz prezent: -{pct}% na wszystko z kodem {code}. {link}", 1),
    _Theme("Punkty lojalnościowe", (), "PUNKTY", "Przypomnienie o punktach do wymiany",
           "{brand}: Masz {pts} punktów w programie lojalnościowym. Wymień je na rabat przy kasie do {date}.", 2),
    _Theme("Otwarcie salonu", (), "OTWARCIE", "Zaproszenie na otwarcie nowego salonu",
           "{brand}: Zapraszamy na otwarcie nowego salonu w {city}, ul. {street}! W sobotę -{pct}% na wszystko.", 1),
    _Theme("Ankieta NPS", (), "NPS", "Badanie satysfakcji po zakupach",
           "{brand}: Jak oceniasz ostatnie zakupy? Wypełnij krótką ankietę (1 min): {link}", 1),
    _Theme("Flash sale 24h", (), "FLASH", "Promocja błyskawiczna 24h",
           "{brand}: Tylko 24h! -{pct}% na wybrane produkty. Start o 20:00: {link}", 3),
    _Theme("Kod dla stałych klientów", (), "STALY", "Kod rabatowy do wykorzystania w sklepie",
           "{brand}: Dla Ciebie, stały kliencie: kod {code} na -{pct}% przy kasie, ważny do {date}.", 2),
    _Theme("Nowości tygodnia", (), "NOWE", "Przegląd nowości w sklepie internetowym",
           "{brand}: Nowości tygodnia już online. Zobacz, co dla Ciebie przygotowaliśmy: {link}", 3),
    _Theme("Zmiana regulaminu programu", (), "REGULAMIN", "Informacja o zmianie regulaminu programu lojalnościowego",
           "{brand}: Od {date} zmieniamy regulamin programu lojalnościowego. Punkty zebrane do tego dnia "
           "pozostają ważne przez 12 miesięcy, a za każde wydane 10 zł otrzymasz teraz 2 punkty zamiast 1. "
           "Szczegóły: {link}", 0.5),
    _Theme("Wieczór zakupów VIP", (), "VIP", "Zaproszenie na zamknięte zakupy dla klubu",
           "{brand}: Zapraszamy na Wieczór Zakupów VIP {date} od 18:00 do 22:00. Dla członków klubu "
           "-{pct}% na całą kolekcję, poczęstunek i stylista na miejscu. Liczba miejsc ograniczona, "
           "zapisy: {link}", 0.7),
)
_SYLWESTER = _Theme("Sylwestrowa promocja do 2:00", (12,), "NOWYROK", "Nocna promocja na przełomie roku",
                    "{brand}: Sylwestrowa noc zakupów! Do 2:00 -{pct}% na wszystko z kodem {code}: {link}")
_DST = _Theme("Nocna wyprzedaż – zmiana czasu", (), "NOC", "Nocna promocja w noc zmiany czasu",
              "{brand}: Zmiana czasu = dodatkowa godzina zakupów! Do rana -{pct}% z kodem {code}: {link}")
_EVENING = _Theme("Nocne zakupy", (), "NOCNE", "Wieczorna promocja trwająca do północy i dłużej",
                  "{brand}: Nocne zakupy! Od teraz do 1:00 -{pct}% na wszystko z kodem {code}: {link}")
_BIG = _Theme("Wielka wyprzedaż – cała baza", (), "WIELKA", "Wysyłka do całej bazy z aktywną zgodą marketingową",
              "{brand}: Wielka wyprzedaż! Do -{pct}% na tysiące produktów, tylko przez 3 dni: {link}")

# Transactional (API) campaign labels: label, share, sender, provider, text, human CTR.
API_LABELS: tuple[tuple[str | None, float, str, int, str, float], ...] = (
    ("potwierdzenie-zamowienia", 0.34, "SKLEP", 0,
     "Dziękujemy za zamówienie nr 2026/481516. Śledź przesyłkę: https://sms.example/t/a7k2p", 0.09),
    ("kod-2fa", 0.30, "SKLEP", 1, "Twoj kod logowania: 482913. Nie podawaj go nikomu. SKLEP", 0.0),
    ("reset-hasla", 0.10, "SKLEP", 1,
     "SKLEP: aby ustawic nowe haslo, kliknij https://sms.example/r/q9x3m (link wazny 15 min). "
     "Jesli to nie Ty, zignoruj te wiadomosc.", 0.11),
    ("przypomnienie-wizyty", 0.15, "SKLEP", 0,
     "Przypominamy o wizycie jutro o 10:30 w salonie SKLEP, ul. Marszałkowska 10. "
     "Potwierdź lub odwołaj: https://sms.example/w/m3d8s", 0.06),
    (None, 0.11, "SKLEP.PL", 2, "Twoja paczka czeka w punkcie odbioru. Kod odbioru: 640213.", 0.0),
)

# Human user agents (and their shares among recipients' devices).
HUMAN_USER_AGENTS: tuple[tuple[str, float], ...] = (
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/18.1 Mobile/15E148 Safari/604.1", 0.20),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.6 Mobile/15E148 Safari/604.1", 0.12),
    ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Mobile Safari/537.36", 0.34),
    ("Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) "
     "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36", 0.12),
    ("Mozilla/5.0 (Linux; U; Android 13; pl-pl; 2201117TY Build/TKQ1.221114.001) AppleWebKit/537.36 "
     "(KHTML, like Gecko) Version/4.0 Chrome/112.0.5615.136 Mobile Safari/537.36 XiaoMi/MiuiBrowser/14.9.1-gn", 0.05),
    ("Mozilla/5.0 (Android 14; Mobile; rv:132.0) Gecko/132.0 Firefox/132.0", 0.02),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240905.003; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Version/4.0 Chrome/130.0.6723.86 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/487.0.0.56.109;]", 0.04),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Mobile/15E148 Instagram 353.0.0.24.87 (iPhone15,3; iOS 18_0; pl_PL; pl; scale=3.00; 1290x2796; 651279870)", 0.03),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0", 0.04),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", 0.04),
)
# Link preview fetchers (fetch the link when the message is shown).
PREVIEW_USER_AGENTS: tuple[str, ...] = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) "
    "Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "WhatsApp/2.24.22.80 A",
    "TelegramBot (like TwitterBot)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
)
# Security scanners and scripts.
SCANNER_USER_AGENTS: tuple[str, ...] = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.109 Safari/537.36",
    "Mozilla/5.0 (compatible; Proofpoint URL Defense)",
    "Barracuda Sentinel (EE)",
    "Mimecast URL Protect",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928; Pro)",
    "python-requests/2.32.3",
    "curl/8.5.0",
    "Go-http-client/1.1",
)


# --------------------------------------------------------------------------- #
# Small vectorized helpers
# --------------------------------------------------------------------------- #
#
# Strings are built as bytes in numpy matrices (one row per value) and handed to
# pyarrow as buffers: no Python object per row, no numpy unicode arrays.

_HEX2_LOWER = np.frombuffer(b"".join(b"%02x" % i for i in range(256)), dtype=np.uint16)
_HEX2_UPPER = np.frombuffer(b"".join(b"%02X" % i for i in range(256)), dtype=np.uint16)
_DIGITS4 = np.frombuffer(b"".join(b"%04d" % i for i in range(10_000)), dtype=np.uint32)


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer: a bijection of uint64 (distinct in -> distinct out)."""
    z = x.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


def _hex_chars(v: np.ndarray, upper: bool = False) -> np.ndarray:
    """(n, 16) ASCII hex digits of uint64 values (most significant first)."""
    octets = np.ascontiguousarray(v, dtype=">u8").view(np.uint8).reshape(-1, 8)
    return (_HEX2_UPPER if upper else _HEX2_LOWER)[octets].view(np.uint8)


def _digit_chars(v: np.ndarray, width: int) -> np.ndarray:
    """(n, width) ASCII decimal digits of non-negative integers (zero padded, width <= 20)."""
    chunks = -(-width // 4)
    v = v.astype(np.uint64)
    out = np.empty((len(v), chunks), dtype=np.uint32)
    for j in range(chunks - 1, -1, -1):
        q = v // np.uint64(10_000)
        out[:, j] = _DIGITS4[v - q * np.uint64(10_000)]
        v = q
    return out.view(np.uint8)[:, chunks * 4 - width:]


def _const_chars(text: str, n: int) -> np.ndarray:
    return np.broadcast_to(np.frombuffer(text.encode("ascii"), dtype=np.uint8), (n, len(text)))


def _fixed_strings(*parts: np.ndarray) -> pa.Array:
    """A pyarrow string array from (n, w_i) ASCII matrices joined left to right."""
    mat = np.ascontiguousarray(np.hstack(parts) if len(parts) > 1 else parts[0], dtype=np.uint8)
    n, w = mat.shape
    offsets = np.arange(0, (n + 1) * w, w, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(mat))


def _padded_strings(mat: np.ndarray) -> pa.Array:
    """A pyarrow string array of the rows of `mat` (ASCII), without their trailing spaces."""
    return pc.ascii_rtrim_whitespace(_fixed_strings(mat))


def _ts(us: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """UTC timestamps (schema.TS) from int64 microseconds; `valid` False -> null."""
    mask = None if valid is None or valid.all() else ~valid
    return pa.array(us.astype(np.int64, copy=False), type=pa.int64(), mask=mask).cast(schema.TS)


class _Vocab:
    """A column's few distinct strings, and the codes that pick them.

    `column(codes)` is a dictionary array (what Parquet stores anyway): no string is
    copied per row. `lut` maps the caller's codes (an outcome, a provider...) to
    indices in the (distinct) dictionary; -1 -> null.
    """

    def __init__(self, values_by_code: list | tuple):
        distinct = list(dict.fromkeys(v for v in values_by_code if v is not None))
        self.dictionary = pa.array(distinct, type=pa.string())
        index_type = np.int8 if len(distinct) < 128 else np.int16 if len(distinct) < 32768 else np.int32
        self.lut = np.array([-1 if v is None else distinct.index(v) for v in values_by_code], dtype=index_type)
        self.nullable = bool((self.lut < 0).any())

    def column(self, codes: np.ndarray) -> pa.Array:
        idx = self.lut[codes]
        mask = (idx < 0) if self.nullable else None
        if mask is not None and not mask.any():
            mask = None
        return pa.DictionaryArray.from_arrays(pa.array(idx, mask=mask), self.dictionary)

    def constant(self, n: int, code: int = 0) -> pa.Array:
        return self.column(np.full(n, code, dtype=np.int32))


def _draw_unique(rng: Generator, size: int, high: int) -> np.ndarray:
    """`size` distinct integers in [0, high), in random order."""
    if size > high:
        raise ValueError("not enough distinct values")
    got = np.empty(0, dtype=np.int64)
    while got.size < size:
        extra = rng.integers(0, high, size=int((size - got.size) * 1.05) + 64, dtype=np.int64)
        got = np.sort(np.concatenate([got, extra]))  # np.unique (hash based in numpy 2.3+) is 10x slower
        got = got[np.concatenate(([True], got[1:] != got[:-1]))]
    return rng.permutation(got)[:size]


def _distinct_sample(rng: Generator, high: int, size: int) -> np.ndarray:
    """`size` distinct integers in [0, high): a walk a, a + b, a + 2b... modulo `high`.

    With b coprime to `high` no value comes twice. It picks recipients from the pool,
    whose order is random already; rng.choice(replace=False) costs 30x more (a
    shuffle of the whole pool per dispatch).
    """
    if size > high:
        raise ValueError("not enough distinct values")
    start = int(rng.integers(high))
    step = int(rng.integers(1, max(high, 2)))
    while math.gcd(step, high) != 1:
        step = int(rng.integers(1, high))
    return (start + step * np.arange(size, dtype=np.int64)) % high


def _lognormal_s(rng: Generator, median_s: float, sigma: float, n: int) -> np.ndarray:
    return rng.lognormal(np.log(median_s), sigma, n)


# --------------------------------------------------------------------------- #
# The numbers (recipients)
# --------------------------------------------------------------------------- #

F_OK, F_SHORT, F_LONG, F_LANDLINE, F_DEAD = 0, 1, 2, 3, 4


@dataclass
class _Numbers:
    """The recipients; a number is "+48" and `digits` zero-padded to `width`."""

    digits: np.ndarray  # int64
    width: np.ndarray  # int8: 9, or 8 / 10 for numbers with a digit missing / too many
    operator: np.ndarray  # int8, NO_OPERATOR for landlines / invalid
    flag: np.ndarray  # int8, F_*
    device: np.ndarray  # int8 index into HUMAN_USER_AGENTS

    def __len__(self) -> int:
        return len(self.flag)


def _msisdn_strings(digits: np.ndarray, width: np.ndarray) -> pa.Array:
    """'+48' + digits zero-padded to width (8, 9 or 10), as a pyarrow string array."""
    n = len(digits)
    d10 = _digit_chars(digits, 10)
    mat = np.empty((n, 13), dtype=np.uint8)
    mat[:, :3] = np.frombuffer(b"+48", dtype=np.uint8)
    mat[:, 3:12] = d10[:, 1:]
    odd = np.flatnonzero(width != 9)
    if odd.size == 0:
        return _fixed_strings(mat[:, :12])
    mat[:, 12] = ord(" ")
    w10 = odd[width[odd] == 10]
    mat[w10, 3:13] = d10[w10]
    w8 = odd[width[odd] == 8]
    mat[w8, 3:12] = np.hstack([d10[w8, 2:], _const_chars(" ", w8.size)])
    return _padded_strings(mat)


def _make_numbers(rng: Generator, n: int, bad_share: float, dead_share: float) -> _Numbers:
    """`n` distinct recipients: Polish mobiles, with a few invalid ones and landlines."""
    space = len(MOBILE_PREFIXES) * 10_000_000
    ints = _draw_unique(rng, n, space)
    prefixes = np.array(MOBILE_PREFIXES, dtype=np.int64)[ints // 10_000_000]
    national = prefixes * 10_000_000 + ints % 10_000_000
    digits = national.copy()
    width = np.full(n, 9, dtype=np.int8)

    u = rng.random(n)
    flag = np.full(n, F_OK, dtype=np.int8)
    flag[u < bad_share * 0.30] = F_SHORT
    flag[(u >= bad_share * 0.30) & (u < bad_share * 0.55)] = F_LONG
    flag[(u >= bad_share * 0.55) & (u < bad_share)] = F_LANDLINE
    flag[(u >= bad_share) & (u < bad_share + dead_share)] = F_DEAD

    special = np.flatnonzero((flag == F_SHORT) | (flag == F_LONG) | (flag == F_LANDLINE))
    if special.size:
        used: set[tuple[int, int]] = set()
        extra_digit = rng.integers(0, 10, special.size)
        for j, i in enumerate(special.tolist()):
            nat, rest = int(national[i]), int(ints[i])
            if flag[i] == F_SHORT:  # a digit missing: 8 digits
                value, w, base, modulus = nat // 10, 8, 0, 10**8
            elif flag[i] == F_LONG:  # a digit too many: 10 digits
                value, w, base, modulus = nat * 10 + int(extra_digit[j]), 10, 0, 10**10
            else:  # a Warsaw landline: +48 22 and 7 digits
                value, w, base, modulus = rest % 10_000_000, 9, 220_000_000, 10**7
            while (w, base + value) in used:  # keep every number distinct
                value = (value + 1) % modulus
            used.add((w, base + value))
            digits[i], width[i] = base + value, w

    operator = rng.choice(len(OPERATORS), size=n, p=OPERATOR_SHARES / OPERATOR_SHARES.sum()).astype(np.int8)
    operator[(flag == F_SHORT) | (flag == F_LONG) | (flag == F_LANDLINE)] = NO_OPERATOR
    shares = np.array([w for _, w in HUMAN_USER_AGENTS])
    device = rng.choice(len(HUMAN_USER_AGENTS), size=n, p=shares / shares.sum()).astype(np.int8)
    return _Numbers(digits, width, operator, flag, device)


def _concat_numbers(parts: list[_Numbers]) -> _Numbers:
    return _Numbers(*(np.concatenate([getattr(p, f) for p in parts]) for f in _Numbers.__dataclass_fields__))


# --------------------------------------------------------------------------- #
# The plan: dispatches, their times and sizes, transactional timestamps
# --------------------------------------------------------------------------- #


@dataclass
class _Entity:
    """Who sends a group of messages: a bulk dispatch or a transactional label."""

    sender: str
    provider: int
    encoding: str
    segments: int
    has_link: bool
    failure_mult: np.ndarray  # (10,)
    human_ctr: float
    bot_rate: float


@dataclass
class _Dispatch:
    start_us: int  # first message
    duration_us: int  # first to last message
    size: int
    created_us: int
    entity: int
    kind: str  # regular, evening, dst, month_span, last_day, big
    name: str = ""
    seasonal: bool = False
    description: str | None = None
    text: str = ""
    group: str = ""
    number: int = 0
    dispatch_id: str = ""


@dataclass
class _Plan:
    tz: ZoneInfo
    first_day: date
    until: date
    now_us: int
    day_dates: list[date]
    day_start_us: np.ndarray  # len(days) + 1
    dispatches: list[_Dispatch]
    entities: list[_Entity]
    label_entity0: int  # entity index of API_LABELS[0]
    numbers: _Numbers
    main_pool: int  # numbers[0:main_pool] are customers
    staff: np.ndarray  # indices of the staff's own numbers (test sends)
    tests: dict[str, np.ndarray]  # created_us, entity, dispatch
    api_per_day: np.ndarray  # transactional messages per day (in tz)
    month_starts: list[int]  # UTC month starts, plus the end
    month_keys: list[str]
    price_change_us: int


def _local_us(tz: ZoneInfo, d: date, seconds: float = 0.0) -> int:
    """UTC microseconds of local wall time `d` 00:00 + seconds, in `tz`."""
    base = datetime(d.year, d.month, d.day, tzinfo=tz) + timedelta(seconds=seconds)
    return int(round(base.timestamp() * US))


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    return date(y, m + 1, 1)


def _last_sunday(year: int, month: int) -> date:
    d = _add_months(date(year, month, 1), 1) - timedelta(days=1)
    return d - timedelta(days=(d.weekday() + 1) % 7)


def _n_dispatches(messages: int) -> int:
    return int(np.clip(round(24 + 85 * np.log10(max(messages, 1) / 20_000)), 20, 300))


def _allocate(total: int, weights: np.ndarray, minimum: int) -> np.ndarray:
    """Integer sizes >= minimum summing to `total`, proportional to weights beyond that."""
    n = len(weights)
    minimum = max(1, min(minimum, total // n))
    rest = total - minimum * n
    share = weights / weights.sum() * rest
    sizes = np.floor(share).astype(np.int64)
    left = rest - int(sizes.sum())
    if left:
        order = np.argsort(-(share - sizes), kind="stable")
        sizes[order[:left]] += 1
    return sizes + minimum


def _make_plan(
    rng: Generator, *, messages: int, seed: int, until: date, tz: ZoneInfo, big_dispatch: int | None
) -> _Plan:
    first_day = _add_months(date(until.year, until.month, 1), -18)
    n_days = (until - first_day).days + 1
    day_dates = [first_day + timedelta(days=i) for i in range(n_days)]
    day_start = np.array([_local_us(tz, d) for d in day_dates + [until + timedelta(days=1)]], dtype=np.int64)
    now_us = int(day_start[-1])
    start_us = int(day_start[0])

    n_bulk = _n_dispatches(messages)
    bulk_total = int(round(messages * 0.90))

    # --- dispatch days: growth, weekdays, seasons -------------------------------
    t = np.linspace(0.0, 1.0, n_days)
    weekday_w = np.array([0.9, 1.25, 1.2, 1.2, 1.0, 0.45, 0.2])
    season_w = np.array([1.1, 0.9, 1.0, 1.0, 1.05, 0.95, 0.8, 0.8, 1.1, 1.05, 1.9, 1.6])
    weekday = np.array([d.weekday() for d in day_dates])
    month = np.array([d.month for d in day_dates])
    day_w = (0.6 + 0.8 * t) * weekday_w[weekday] * season_w[month - 1]
    # specials and the last day are placed by hand; the rest avoid the last 3 days
    day_w_regular = day_w.copy()
    day_w_regular[-3:] = 0.0

    kinds = ["regular"] * n_bulk
    kinds[0], kinds[1], kinds[2] = "dst", "month_span", "last_day"
    n_evening = max(2, int(round(0.05 * n_bulk)))
    for i in range(3, 3 + n_evening):
        kinds[i] = "evening"

    sizes_w = rng.lognormal(0.0, 1.15, n_bulk)
    sizes = _allocate(bulk_total, sizes_w, minimum=200)
    # specials get sizes from the upper half (they should span hours)
    order = np.argsort(sizes, kind="stable")
    upper = order[n_bulk // 2:]
    swap_to = rng.choice(upper, size=3, replace=False)
    for i, j in zip((0, 1, 2), swap_to):
        sizes[[i, j]] = sizes[[j, i]]

    # --- dispatch start times -------------------------------------------------------
    hour_w = np.zeros(24)
    hour_w[8:20] = [0.4, 1.2, 1.4, 1.1, 1.3, 0.9, 0.8, 0.9, 1.2, 1.4, 1.0, 0.5]
    hour_w /= hour_w.sum()
    dispatches: list[_Dispatch] = []
    dst_day = _pick_dst_day(first_day, until)
    span_day = _pick_month_end(first_day, until)
    regular_days = rng.choice(n_days, size=n_bulk, p=day_w_regular / day_w_regular.sum())
    for i in range(n_bulk):
        size = int(sizes[i])
        kind = kinds[i]
        if kind == "dst":
            # messages from 40 min before to 80 min after the change (01:00 UTC)
            change = int(datetime(dst_day.year, dst_day.month, dst_day.day, 1, tzinfo=timezone.utc).timestamp()) * US
            start, duration = change - 40 * 60 * US, 2 * HOUR
        elif kind == "month_span":
            start, duration = _local_us(tz, span_day, 22.5 * 3600), 4 * HOUR
        elif kind == "last_day":
            start = _local_us(tz, until, float(rng.uniform(15.0, 17.5)) * 3600)
            duration = int(min(size / rng.uniform(20, 80), 3600) * US)
        elif kind == "evening":
            d = day_dates[int(regular_days[i])]
            start = _local_us(tz, d, float(rng.uniform(23 + 25 / 60, 23 + 50 / 60)) * 3600)
            duration = int(rng.uniform(40, 100) * 60 * US)  # past midnight
        else:
            d = day_dates[int(regular_days[i])]
            hour = int(rng.choice(24, p=hour_w))
            start = _local_us(tz, d, hour * 3600 + float(rng.uniform(0, 3600)))
            duration = int(size / rng.uniform(25, 200) * US)
        if rng.random() < 0.5:  # created and sent right away
            created = start - int(rng.uniform(3, 45) * 60 * US)
        else:  # scheduled during office hours on an earlier day
            local_start = datetime.fromtimestamp(start / US, tz).date()
            created = _local_us(tz, local_start - timedelta(days=int(rng.integers(1, 8))),
                                float(rng.uniform(8.5, 17.5)) * 3600)
        created = max(start_us, min(created, start - 60 * US))
        dispatches.append(_Dispatch(start, max(duration, US), size, created, -1, kind))

    # --- the big dispatch (its own random stream: the rest does not change) ---------
    big_rng = Generator(PCG64([seed, 2]))
    if big_dispatch:
        start = _local_us(tz, until - timedelta(days=3), 10 * 3600 + float(big_rng.uniform(0, 1800)))
        duration = int(big_dispatch / 600 * US)  # 600 messages per second
        dispatches.append(_Dispatch(start, max(duration, US), int(big_dispatch), start - HOUR, -1, "big"))

    # --- numbers --------------------------------------------------------------------
    max_regular = max(d.size for d in dispatches if d.kind != "big")
    pool_size = max(int(max_regular * 1.3) + 100, 3000)
    parts = [_make_numbers(rng, pool_size, bad_share=0.0075, dead_share=0.005)]
    staff = _make_numbers(rng, 6, 0.0, 0.0)
    parts.append(staff)
    if big_dispatch:
        parts.append(_make_numbers(big_rng, int(big_dispatch), bad_share=0.002, dead_share=0.002))
    numbers = _concat_numbers(parts)

    # --- texts, names, entities -------------------------------------------------------
    entities: list[_Entity] = []
    name_counts: dict[tuple[str, int], int] = {}
    size_rank = np.argsort(np.argsort([d.size for d in dispatches if d.kind != "big"], kind="stable"), kind="stable")
    n_reg = len(size_rank)
    incidents = _pick_incidents(rng, n_bulk)
    for i, disp in enumerate(dispatches):
        r = big_rng if disp.kind == "big" else rng
        local_day = datetime.fromtimestamp(disp.start_us / US, tz).date()
        theme = _choose_theme(r, disp.kind, local_day)
        if disp.kind == "big":
            group = GROUPS_LARGE[0]
        else:
            q = size_rank[i] / max(n_reg - 1, 1)
            pool = GROUPS_SMALL if q < 0.45 else GROUPS_MEDIUM if q < 0.85 else GROUPS_LARGE
            group = pool[int(r.integers(len(pool)))]
        sender = "KLUBVIP" if group in ("Klienci VIP", "Program lojalnościowy – Złoty") else (
            "OUTLET" if theme.code in ("FLASH", "ZIMA", "LATO") and r.random() < 0.5 else
            ("SKLEP.PL" if r.random() < 0.2 else "SKLEP"))
        pct = int(r.choice([10, 15, 20, 25, 30, 40, 50, 70]))
        code = f"{theme.code}{pct}"
        link = "https://sms.example/" + "".join(r.choice(list("abcdefghijkmnpqrstuvwxyz23456789"), 5))
        city = CITIES[int(r.integers(len(CITIES)))]
        fields = dict(
            brand=sender, pct=pct, code=code, link=link,
            date=(local_day + timedelta(days=int(r.integers(2, 8)))).strftime("%d.%m"),
            city=city[0], street=STREETS[int(r.integers(len(STREETS)))],
            pts=int(r.integers(120, 2400)),
        )
        text = theme.text.format(**fields)
        if r.random() < 0.6 and disp.kind != "big":
            text = strip_diacritics(text)
        encoding, segments = sms_encoding(text)
        key = (theme.name, local_day.year)
        name_counts[key] = name_counts.get(key, 0) + 1
        name = theme.name
        if name == "Otwarcie salonu":
            name = f"Otwarcie salonu – {city[1]}"
        description: str | None = f"{theme.description}. Rabat {pct}%, kod {code}. Grupa: {group}"
        if "{code}" not in theme.text and "{pct}" not in theme.text:
            description = f"{theme.description}. Grupa: {group}"
        description = description.rstrip(".") + "."
        if r.random() < 0.1:
            description = None
        mult = np.exp(r.normal(0.0, 0.3, 10))
        if r.random() < 0.1:  # an old, poorly kept list
            mult[O_UNKNOWN_SUB - 1] *= 4.0
            mult[O_ABSENT - 1] *= 1.5
        for outcome, factor in incidents.get(i, ()):
            mult[outcome - 1] *= factor
        if disp.kind == "big":
            mult *= 0.5
        provider = int(r.choice(3, p=[0.55, 0.35, 0.10]))
        has_link = "{link}" in theme.text
        entities.append(_Entity(sender, provider, encoding, segments, has_link, mult,
                                human_ctr=float(r.uniform(0.03, 0.12)) if has_link else 0.0,
                                bot_rate=float(r.uniform(0.02, 0.05)) if has_link else 0.0))
        disp.entity = len(entities) - 1
        disp.name, disp.description, disp.text, disp.group = name, description, text, group
        disp.seasonal = bool(theme.months) or disp.kind in ("dst", "big") or theme.code == "OTWARCIE"

    # names as people give them: "Porzucony koszyk – czerwiec", "Black Friday – fala 2"
    seen: dict[tuple[str, int], int] = {}
    for disp in sorted(dispatches, key=lambda d: (d.start_us, d.entity)):
        local = datetime.fromtimestamp(disp.start_us / US, tz)
        if not disp.seasonal:
            disp.name = f"{disp.name} – {MONTHS_PL[local.month - 1]}"
        key = (disp.name, local.year)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            disp.name = f"{disp.name} – fala {seen[key]}"

    # user-facing numbers in creation order
    for number, disp in enumerate(sorted(dispatches, key=lambda d: (d.created_us, d.start_us, d.entity)), 1):
        disp.number = number
        disp.dispatch_id = f"d-{number:06d}"

    label_entity0 = len(entities)
    for label, _share, sender, provider, text, ctr in API_LABELS:
        encoding, segments = sms_encoding(text)
        has_link = "https://" in text
        entities.append(_Entity(sender, provider, encoding, segments, has_link, np.full(10, 0.85),
                                human_ctr=ctr if has_link else 0.0,
                                bot_rate=0.02 if has_link else 0.0))

    # --- test sends: 0-3 to the staff before each bulk dispatch -------------------------
    t_created, t_entity, t_dispatch = [], [], []
    for i, disp in enumerate(dispatches):
        if disp.kind == "big":
            continue
        for _ in range(int(rng.integers(0, 4))):
            before = int(rng.uniform(5, 90) * 60 * US)
            t_created.append(max(disp.created_us, disp.start_us - before, start_us))
            t_entity.append(disp.entity)
            t_dispatch.append(i)
    tests = {
        "created_us": np.array(t_created, dtype=np.int64),
        "entity": np.array(t_entity, dtype=np.int32),
        "dispatch": np.array(t_dispatch, dtype=np.int32),
    }

    # --- transactional API traffic: every day, daily rhythm ------------------------------
    n_api = max(0, messages - bulk_total - len(t_created))
    api_weekday = np.array([1.05, 1.0, 1.0, 1.0, 1.05, 0.85, 0.75])
    api_day_w = (0.7 + 0.6 * t) * api_weekday[weekday] * np.where(month >= 11, 1.3, 1.0)
    # how many per day; their times and labels are drawn month by month (_api_specs)
    api_per_day = rng.multinomial(n_api, api_day_w / api_day_w.sum())

    # --- UTC months ----------------------------------------------------------------------
    first = datetime.fromtimestamp(start_us / US, timezone.utc)
    last = datetime.fromtimestamp((now_us - 1) / US, timezone.utc)
    month_starts, keys = [], []
    cur = date(first.year, first.month, 1)
    while cur <= date(last.year, last.month, 1):
        month_starts.append(int(datetime(cur.year, cur.month, 1, tzinfo=timezone.utc).timestamp()) * US)
        keys.append(cur.strftime("%Y-%m"))
        cur = _add_months(cur, 1)
    month_starts.append(int(datetime(cur.year, cur.month, 1, tzinfo=timezone.utc).timestamp()) * US)

    return _Plan(
        tz=tz, first_day=first_day, until=until, now_us=now_us, day_dates=day_dates, day_start_us=day_start,
        dispatches=dispatches, entities=entities, label_entity0=label_entity0, numbers=numbers,
        main_pool=pool_size, staff=np.arange(pool_size, pool_size + 6), tests=tests, api_per_day=api_per_day,
        month_starts=month_starts, month_keys=keys,
        price_change_us=int(day_start[len(day_start) // 2]),
    )


def _pick_dst_day(first_day: date, until: date) -> date:
    """The latest last Sunday of March or October with room around it."""
    best = None
    for year in range(first_day.year, until.year + 1):
        for month in (3, 10):
            d = _last_sunday(year, month)
            if first_day + timedelta(days=2) <= d <= until - timedelta(days=4):
                best = d
    if best is None:  # cannot happen with 18 months of data
        raise ValueError("no DST change in range")
    return best


def _pick_month_end(first_day: date, until: date) -> date:
    """The latest 31 December (else any month end) with room after it."""
    best = None
    d = _add_months(first_day, 1) - timedelta(days=1)
    while d <= until - timedelta(days=4):
        if d.month == 12 or best is None or best.month != 12:
            best = d
        d = _add_months(d + timedelta(days=1), 1) - timedelta(days=1)
    if best is None:
        raise ValueError("no month end in range")
    return best


def _pick_incidents(rng: Generator, n_bulk: int) -> dict[int, list[tuple[int, float]]]:
    """A few dispatches with an incident (so every reason shows up in the reports)."""
    regular = np.arange(3 + max(2, int(round(0.05 * n_bulk))), n_bulk)
    if regular.size < 3:
        regular = np.arange(n_bulk)
    chosen = rng.choice(regular, size=3, replace=False)
    return {
        int(chosen[0]): [(O_PLATFORM, 40.0)],  # provider outage during the send
        int(chosen[1]): [(O_COMPLIANCE, 30.0)],  # new sender name not yet registered
        int(chosen[2]): [(O_ROUTING, 25.0), (O_NETWORK, 5.0)],  # route down at one operator
    }


def _choose_theme(rng: Generator, kind: str, d: date) -> _Theme:
    if kind == "big":
        return _BIG
    if kind == "dst":
        return _DST
    if kind == "month_span":
        return _SYLWESTER if d.month == 12 else _EVENING
    if kind == "evening":
        return _EVENING
    fits = [th for th in THEMES if not th.months or d.month in th.months]
    w = np.array([th.weight * (2.0 if th.months else 1.0) for th in fits])
    return fits[int(rng.choice(len(fits), p=w / w.sum()))]


# --------------------------------------------------------------------------- #
# Rows of one month
# --------------------------------------------------------------------------- #


@dataclass
class _Specs:
    """What to send: one element per message."""

    created_us: np.ndarray  # int64
    source: np.ndarray  # int8: 0 bulk, 1 test, 2 api
    entity: np.ndarray  # int32
    dispatch: np.ndarray  # int32, -1 for test/api
    number: np.ndarray  # int64 index into plan.numbers
    seq: np.ndarray  # uint64 sequence number (message ids)

    def __len__(self) -> int:
        return len(self.created_us)

    @staticmethod
    def empty() -> _Specs:
        return _Specs(np.empty(0, np.int64), np.empty(0, np.int8), np.empty(0, np.int32),
                      np.empty(0, np.int32), np.empty(0, np.int64), np.empty(0, np.uint64))

    def take(self, idx: np.ndarray | slice) -> _Specs:
        return _Specs(*(getattr(self, f)[idx] for f in _Specs.__dataclass_fields__))


SOURCES = ("bulk", "test", "api")


def _bulk_specs(rng: Generator, plan: _Plan, idx: list[int], seq0: int) -> _Specs:
    sizes = np.array([plan.dispatches[i].size for i in idx], dtype=np.int64)
    total = int(sizes.sum())
    owner = np.repeat(np.arange(len(idx)), sizes)
    pos = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    start = np.array([plan.dispatches[i].start_us for i in idx], dtype=np.int64)
    step = np.array([plan.dispatches[i].duration_us for i in idx], dtype=np.float64) / sizes
    created = start[owner] + ((pos + rng.random(total)) * step[owner]).astype(np.int64)
    numbers = np.empty(total, dtype=np.int64)
    offset = 0
    for k, i in enumerate(idx):
        disp = plan.dispatches[i]
        if disp.kind == "big":
            base = plan.main_pool + len(plan.staff)
            numbers[offset:offset + disp.size] = base + np.arange(disp.size)
        else:
            numbers[offset:offset + disp.size] = _distinct_sample(rng, plan.main_pool, disp.size)
        offset += disp.size
    return _Specs(
        created_us=created,
        source=np.zeros(total, dtype=np.int8),
        entity=np.array([plan.dispatches[i].entity for i in idx], dtype=np.int32)[owner],
        dispatch=np.array(idx, dtype=np.int32)[owner],
        number=numbers,
        seq=np.arange(seq0, seq0 + total, dtype=np.uint64),
    )


API_HOURS_W = np.array([0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.0, 1.6, 2.0, 2.2, 2.1,
                        2.0, 1.9, 1.9, 1.9, 2.0, 2.1, 2.3, 2.4, 2.3, 1.8, 1.1, 0.6])


def _api_specs(rng: Generator, plan: _Plan, days: np.ndarray, seq0: int) -> _Specs:
    """The transactional messages of `days` (indices into plan.day_dates)."""
    per_day = plan.api_per_day[days]
    n = int(per_day.sum())
    day_idx = np.repeat(days, per_day)
    # time of day: few at night, peaks late morning and evening
    hour = rng.choice(24, size=n, p=API_HOURS_W / API_HOURS_W.sum())
    frac = (hour + rng.random(n)) / 24.0
    day_len = np.diff(plan.day_start_us)[day_idx]
    shares = np.array([s for _, s, *_ in API_LABELS])
    label = rng.choice(len(API_LABELS), size=n, p=shares / shares.sum()).astype(np.int32)
    return _Specs(
        created_us=plan.day_start_us[day_idx] + (frac * day_len).astype(np.int64),
        source=np.full(n, 2, dtype=np.int8),
        entity=plan.label_entity0 + label,
        dispatch=np.full(n, -1, dtype=np.int32),
        number=rng.integers(0, plan.main_pool, n),
        seq=np.arange(seq0, seq0 + n, dtype=np.uint64),
    )


def _concat_specs(parts: list[_Specs]) -> _Specs:
    parts = [p for p in parts if len(p)]
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return _Specs.empty()
    return _Specs(*(np.concatenate([getattr(p, f) for p in parts]) for f in _Specs.__dataclass_fields__))


def _split_specs(sp: _Specs, end_us: int) -> tuple[_Specs, _Specs]:
    """(messages created before end_us, the others)."""
    before = sp.created_us < end_us
    if before.all():
        return sp, _Specs.empty()
    return sp.take(np.flatnonzero(before)), sp.take(np.flatnonzero(~before))


def _file_order(sp: _Specs, dispatch_rank: np.ndarray) -> np.ndarray:
    """The order of the rows in a file: by dispatch (`dispatch_rank[sp.dispatch]`, the
    dispatch_id order, with index -1, no dispatch, last), then created_at."""
    key = dispatch_rank[sp.dispatch]
    order = np.argsort(key, kind="stable")  # a dispatch's rows are one run: cheap
    k = key[order]
    loose = int(np.searchsorted(k, dispatch_rank[-1]))
    rest = order[loose:]
    order[loose:] = rest[np.argsort(sp.created_us[rest], kind="stable")]
    # A dispatch's messages are made in time order; sort them if they ever are not.
    c = sp.created_us[order[:loose]]
    if loose > 1 and np.any((k[1:loose] == k[:loose - 1]) & (c[1:] < c[:-1])):
        order[:loose] = order[:loose][np.lexsort((c, k[:loose]))]
    return order


@dataclass
class _Tables:
    """Lookups the rows are built from (per entity, per number) and the columns' vocabularies."""

    now_us: int
    price_change_us: int
    label_entity0: int
    numbers: _Numbers
    e_provider: np.ndarray  # int8
    e_segments: np.ndarray  # int16
    e_ucs2: np.ndarray  # int8
    e_link: np.ndarray  # bool
    e_ctr: np.ndarray
    e_bot: np.ndarray
    fail_cum: np.ndarray  # (entity * (NO_OPERATOR + 1) + operator, 10): cumulated failure rates
    fail_total: np.ndarray  # fail_cum[:, -1]
    unit_price: np.ndarray  # provider * 2 + (after the price change)
    ua_is_bot: np.ndarray  # bool per user agent code
    provider: _Vocab
    source: _Vocab
    dispatch: _Vocab  # by dispatch index; -1 -> null
    label: _Vocab  # by API_LABELS index; len(API_LABELS) -> null
    sender: _Vocab  # by entity
    country: _Vocab
    operator: _Vocab
    status: _Vocab  # by outcome
    reason: _Vocab
    raw_status: _Vocab  # by provider * N_OUTCOMES + outcome
    raw_error: _Vocab
    encoding: _Vocab
    currency: _Vocab
    user_agent: _Vocab


UA_VOCAB = tuple(ua for ua, _ in HUMAN_USER_AGENTS) + PREVIEW_USER_AGENTS + SCANNER_USER_AGENTS

# Final status this long after sending, by outcome: (from, spread) seconds.
_DONE_FROM = np.zeros(N_OUTCOMES)
_DONE_SPREAD = np.zeros(N_OUTCOMES)
for _o, (_lo, _spread) in {
    O_ABSENT: (1800, 22 * 3600),  # retried for hours
    O_UNKNOWN_SUB: (1, 9),
    O_EXPIRED: (48 * 3600, 3600),  # 48 h validity
    O_FILTERED: (0.5, 4),
    O_COMPLIANCE: (0.5, 2),
    O_BARRED: (1, 5),
    O_PLATFORM: (0, 2),
    O_ROUTING: (1, 30),
    O_NETWORK: (10, 600),
    O_NO_DLR: (48 * 3600, 4 * 3600),  # given up on waiting for a receipt
    O_LANDLINE: (1, 20),
}.items():
    _DONE_FROM[_o], _DONE_SPREAD[_o] = _lo, _spread


def _tables(plan: _Plan) -> _Tables:
    ent = plan.entities
    e_mult = np.stack([e.failure_mult for e in ent])
    op_profile = np.vstack([OPERATOR_PROFILE, np.ones((1, 10))])
    rates = BASE_FAILURE[None, None, :] * e_mult[:, None, :] * op_profile[None, :, :]
    raw = [code for p in PROVIDERS for code in RAW_CODES[p]]
    return _Tables(
        now_us=plan.now_us,
        price_change_us=plan.price_change_us,
        label_entity0=plan.label_entity0,
        numbers=plan.numbers,
        e_provider=np.array([e.provider for e in ent], dtype=np.int8),
        e_segments=np.array([e.segments for e in ent], dtype=np.int16),
        e_ucs2=np.array([e.encoding == "ucs2" for e in ent], dtype=np.int8),
        e_link=np.array([e.has_link for e in ent]),
        e_ctr=np.array([e.human_ctr for e in ent]),
        e_bot=np.array([e.bot_rate for e in ent]),
        fail_cum=np.cumsum(rates, axis=2).reshape(-1, 10),
        fail_total=np.ascontiguousarray(np.cumsum(rates, axis=2).reshape(-1, 10)[:, -1]),
        unit_price=np.array(PRICE_PER_SEGMENT, dtype=np.float64).reshape(-1),
        ua_is_bot=np.array([click_rules.is_bot_user_agent(ua) for ua in UA_VOCAB]),
        provider=_Vocab(PROVIDERS),
        source=_Vocab(SOURCES),
        dispatch=_Vocab([d.dispatch_id for d in plan.dispatches] + [None]),
        label=_Vocab([lab for lab, *_ in API_LABELS] + [None]),
        sender=_Vocab([e.sender for e in ent]),
        country=_Vocab(["PL"]),
        operator=_Vocab(list(OPERATORS) + [None]),
        status=_Vocab([s.value for s, _ in OUTCOMES]),
        reason=_Vocab([(r.value if r else None) for _, r in OUTCOMES]),
        raw_status=_Vocab([rs for rs, _ in raw]),
        raw_error=_Vocab([re_ for _, re_ in raw]),
        encoding=_Vocab(["gsm7", "ucs2"]),
        currency=_Vocab(["PLN"]),
        user_agent=_Vocab(UA_VOCAB),
    )


@dataclass
class _Clicks:
    """Click rows before they become a table: sorted and written per month."""

    key: np.ndarray  # uint64: the message id's number ("msg-" + its 16 hex digits)
    at_us: np.ndarray  # int64
    ua: np.ndarray  # int8 index into UA_VOCAB
    is_bot: np.ndarray  # bool

    def __len__(self) -> int:
        return len(self.key)

    @staticmethod
    def concat(parts: list[_Clicks]) -> _Clicks:
        if not parts:
            return _Clicks(np.empty(0, np.uint64), np.empty(0, np.int64), np.empty(0, np.int8), np.empty(0, bool))
        return _Clicks(*(np.concatenate([getattr(p, f) for p in parts]) for f in _Clicks.__dataclass_fields__))

    def take(self, idx: np.ndarray) -> _Clicks:
        return _Clicks(*(getattr(self, f)[idx] for f in _Clicks.__dataclass_fields__))

    def split(self, end_us: int) -> tuple[_Clicks, _Clicks]:
        before = self.at_us < end_us
        return self.take(np.flatnonzero(before)), self.take(np.flatnonzero(~before))


def _message_ids(key: np.ndarray) -> pa.Array:
    return _fixed_strings(_const_chars("msg-", len(key)), _hex_chars(key))


def _build_rows(rng: Generator, t: _Tables, sp: _Specs, id_key: np.uint64) -> tuple[pa.Table, _Clicks]:
    """Message rows (in the order of `sp`) and click rows for the specs (vectorized)."""
    n = len(sp)
    now = t.now_us
    ent = sp.entity
    created = sp.created_us

    # provider: the entity's, with a little failover traffic on another one
    provider = t.e_provider[ent]
    moved = np.flatnonzero(rng.random(n) < 0.03)
    provider[moved] = (provider[moved] + rng.integers(1, 3, moved.size)) % 3

    # --- outcome -------------------------------------------------------------------
    op = t.numbers.operator[sp.number]
    flag = t.numbers.flag[sp.number]
    combo = ent.astype(np.int64) * (NO_OPERATOR + 1) + op
    u = rng.random(n)
    failed = np.flatnonzero(u < t.fail_total[combo])  # a few percent: only these need the details
    outcome = np.zeros(n, dtype=np.int8)
    outcome[failed] = (u[failed, None] >= t.fail_cum[combo[failed]]).sum(axis=1) + 1
    special = np.flatnonzero(flag != F_OK)
    if special.size:
        f = flag[special]
        outcome[special[(f == F_DEAD) & (rng.random(special.size) < 0.95)]] = O_UNKNOWN_SUB
        outcome[special[f == F_LANDLINE]] = O_LANDLINE
        outcome[special[(f == F_SHORT) | (f == F_LONG)]] = O_INVALID

    # --- times -----------------------------------------------------------------------
    z = rng.standard_normal(n)
    sent_s = np.where(sp.source == 0, 0.7 * z + np.log(2.0), 0.6 * z + np.log(0.8))
    sent = created + (np.exp(sent_s, out=sent_s) * US).astype(np.int64)
    mix = rng.random(n)
    z = rng.standard_normal(n)
    done_s = np.where(mix < 0.88, 0.8 * z + np.log(4.0), z + np.log(180.0))
    np.exp(done_s, out=done_s)
    slowest = np.flatnonzero(mix >= 0.985)
    done_s[slowest] = rng.uniform(3600, 12 * 3600, slowest.size)
    bad = np.flatnonzero(outcome != O_DELIVERED)
    ob = outcome[bad]
    done_s[bad] = _DONE_FROM[ob] + rng.random(bad.size) * _DONE_SPREAD[ob]
    # receipts still on their way at the end: the younger the message, the likelier
    young = np.flatnonzero(sent > now - 60 * HOUR)
    if young.size:
        young = young[outcome[young] == O_DELIVERED]
        age_s = (now - sent[young]) / US
        late = rng.random(young.size) < 0.15 * np.exp(-age_s / (12 * 3600))
        done_s[young[late]] = age_s[late] + rng.uniform(60, 12 * 3600, int(late.sum()))
    done = sent + (done_s * US).astype(np.int64)
    del done_s, sent_s, z, mix, u

    not_sent = outcome == O_INVALID
    pending = np.flatnonzero(done >= now)
    pending = pending[~not_sent[pending]]
    outcome[pending] = O_PENDING
    sent_valid = ~not_sent & (sent < now)
    done_valid = ~not_sent
    done_valid[pending] = False

    # --- columns ---------------------------------------------------------------------
    key = _mix64(sp.seq ^ id_key)
    segments = t.e_segments[ent]
    price = np.round(segments * t.unit_price[provider * 2 + (created >= t.price_change_us)], 4)
    price[not_sent] = 0.0
    label = np.where(sp.source == 2, ent - t.label_entity0, len(API_LABELS))
    raw = provider.astype(np.int32) * N_OUTCOMES + outcome
    columns = [
        _message_ids(key),
        t.provider.column(provider),
        _provider_message_ids(sp.seq, id_key, provider),
        t.source.column(sp.source),
        t.dispatch.column(sp.dispatch),
        t.label.column(label),
        t.sender.column(ent),
        _msisdn_strings(t.numbers.digits[sp.number], t.numbers.width[sp.number]),
        t.country.constant(n),
        t.operator.column(op),
        _ts(created),
        _ts(sent, sent_valid),
        _ts(done, done_valid),
        t.status.column(outcome),
        t.reason.column(outcome),
        t.raw_status.column(raw),
        t.raw_error.column(raw),
        pa.array(segments, type=pa.int16()),
        t.encoding.column(t.e_ucs2[ent]),
        pa.array(price, type=pa.float64()),
        t.currency.constant(n),
    ]
    messages = pa.Table.from_arrays(columns, names=schema.MESSAGES.names)
    clicks = _build_clicks(rng, t, sp, outcome, sent, done, key)
    return messages, clicks


_PMID_MIX_A = np.uint64(0x5A5A5A5A5A5A5A5A)
_PMID_MIX_B = np.uint64(0x0123456789ABCDEF)


def _provider_message_ids(seq: np.ndarray, id_key: np.uint64, provider: np.ndarray) -> pa.Array:
    """Provider ids in each provider's style, distinct per provider."""
    n = len(seq)
    mat = np.full((n, 34), ord(" "), dtype=np.uint8)
    for p, width in enumerate((24, 21, 34)):
        sel = np.flatnonzero(provider == p)
        m = sel.size
        if not m:
            continue
        s = seq[sel] ^ id_key
        a = _mix64(s ^ _PMID_MIX_A)
        if p == 0:  # SMSAPI: 24 hex digits, upper case
            rows = np.hstack([_hex_chars(a, upper=True)[:, 8:], _hex_chars(_mix64(s ^ _PMID_MIX_B), upper=True)])
        elif p == 1:  # Infobip: a 21-digit number
            rows = np.hstack([_const_chars("4", m), _digit_chars(a, 20)])
        else:  # Twilio: SM + 32 hex digits
            rows = np.hstack([_const_chars("SM", m), _hex_chars(a), _hex_chars(_mix64(s ^ _PMID_MIX_B))])
        if m == n:
            return _fixed_strings(rows)
        mat[sel, :width] = rows
    return _padded_strings(mat)


def _build_clicks(rng: Generator, t: _Tables, sp: _Specs, outcome: np.ndarray, sent: np.ndarray,
                  done: np.ndarray, key: np.ndarray) -> _Clicks:
    now = t.now_us
    link = t.e_link[sp.entity] & (sp.source != 1)  # nobody counts the staff's clicks on test sends
    delivered = np.flatnonzero(link & (outcome == O_DELIVERED))
    unconfirmed = np.flatnonzero(link & (outcome == O_NO_DLR))
    n_human = len(HUMAN_USER_AGENTS)
    n_preview = len(PREVIEW_USER_AGENTS)
    device = t.numbers.device

    # human clicks on delivered messages: 1-3 clicks, minutes to days after delivery
    idx = np.concatenate([
        delivered[rng.random(delivered.size) < t.e_ctr[sp.entity[delivered]]],
        # a few on messages whose delivery was never confirmed
        unconfirmed[rng.random(unconfirmed.size) < 0.05],
    ])
    times = np.where(outcome[idx] == O_DELIVERED, done[idx], sent[idx])
    first = times + (np.maximum(_lognormal_s(rng, 25 * 60, 1.6, idx.size), 12.0) * US).astype(np.int64)
    repeats = rng.choice(3, size=idx.size, p=[0.78, 0.17, 0.05])
    ua_human = device[sp.number[idx]]
    rows_msg, rows_at, rows_ua = [idx], [first], [ua_human]
    for extra in (1, 2):
        sel = repeats >= extra
        later = first[sel] + (_lognormal_s(rng, 2 * 3600, 1.5, int(sel.sum())) * extra * US).astype(np.int64)
        rows_msg.append(idx[sel])
        rows_at.append(later)
        rows_ua.append(ua_human[sel])

    # bot clicks: preview fetchers, scanners, and fetches right after delivery
    bidx = delivered[rng.random(delivered.size) < t.e_bot[sp.entity[delivered]]]
    kind = rng.choice(3, size=bidx.size, p=[0.5, 0.2, 0.3])
    delay = np.where(
        kind == 0, _lognormal_s(rng, 30.0, 1.5, bidx.size),  # preview when the message is shown
        np.where(kind == 1, _lognormal_s(rng, 20.0, 1.2, bidx.size),  # scanner
                 rng.uniform(0.3, 8.0, bidx.size)),  # a browser-like fetch within seconds
    )
    ua = np.where(
        kind == 0, n_human + rng.integers(0, n_preview, bidx.size),
        np.where(kind == 1, n_human + n_preview + rng.integers(0, len(SCANNER_USER_AGENTS), bidx.size),
                 device[sp.number[bidx]]),
    )
    rows_msg.append(bidx)
    rows_at.append(done[bidx] + (delay * US).astype(np.int64))
    rows_ua.append(ua.astype(np.int8))

    msg = np.concatenate(rows_msg)
    at = np.concatenate(rows_at)
    ua_idx = np.concatenate(rows_ua).astype(np.int8)
    keep = np.flatnonzero(at < now)
    msg, at, ua_idx = msg[keep], at[keep], ua_idx[keep]
    # click_rules.is_bot_click per click: the agent's verdict (per distinct agent) or the time window
    with np.errstate(invalid="ignore"):
        seconds = np.where(outcome[msg] == O_DELIVERED, (at - done[msg]) / US, np.nan)
        near = np.abs(seconds) <= click_rules.BOT_CLICK_WINDOW_SECONDS
    return _Clicks(key[msg], at, ua_idx, t.ua_is_bot[ua_idx] | near)


def _clicks_table(t: _Tables, c: _Clicks) -> pa.Table:
    """The click rows as written: sorted by clicked_at, message_id (= by key)."""
    c = c.take(np.lexsort((c.key, c.at_us)))
    return pa.Table.from_arrays(
        [_message_ids(c.key), _ts(c.at_us), t.user_agent.column(c.ua), pa.array(c.is_bot, type=pa.bool_())],
        names=schema.CLICKS.names,
    )


# --------------------------------------------------------------------------- #
# build_demo
# --------------------------------------------------------------------------- #


def build_demo(
    lake: Lake,
    *,
    messages: int = 2_000_000,
    seed: int = 7,
    until: date,
    tz: str = "Europe/Warsaw",
    big_dispatch: int | None = None,
    progress: ProgressFn | None = None,
    with_rollups: bool = True,
) -> DemoSummary:
    """Builds a demo lake at `lake.root` (replacing any lake there) and describes it.

    `messages` rows of bulk (about 90%), test and API traffic over the 18 months
    before `until` and the days of `until`'s month up to it (days counted in `tz`),
    plus `big_dispatch` recipients of one extra bulk dispatch a few days before
    `until` when given. `progress(stage, done, total)` is called once per month
    (stage "messages") and at the end (stage "swap").
    """
    if isinstance(until, datetime):
        until = until.date()
    if messages < 1000:
        raise ValueError("messages must be at least 1000")
    if big_dispatch is not None and big_dispatch < 0:
        raise ValueError("big_dispatch must be positive")
    zone = ZoneInfo(tz)
    plan = _make_plan(Generator(PCG64(seed)), messages=messages, seed=seed, until=until, tz=zone,
                      big_dispatch=big_dispatch)

    with transaction(lake, fresh=True) as staging:
        counts = _write_months(plan, staging, seed, progress)
        write_dispatches(staging, _dispatch_table(plan))
        if with_rollups:
            build_rollups(staging, tz=tz)
    if progress:
        progress("swap", 1, 1)

    n_months = (until.year * 12 + until.month) - (plan.first_day.year * 12 + plan.first_day.month) + 1
    return DemoSummary(
        messages=counts[0],
        dispatches=len(plan.dispatches),
        clicks=counts[1],
        months=n_months,
        first_day=plan.first_day,
        last_day=until,
    )


SLICE_ROWS = 2 * ROW_GROUP_ROWS  # messages built at once (bounds the temporary arrays)


def _write_months(plan: _Plan, lake: Lake, seed: int, progress: ProgressFn | None) -> tuple[int, int]:
    """Generates and writes the messages and clicks, month by month.

    A month's messages are planned first (small integer arrays), put in file order
    (by dispatch_id, then created_at), then built and written slice by slice: the
    rows are never sorted, nor held for more than a slice. A background thread
    writes while the next slice is built. Messages created after the month (a
    dispatch running past its end) move to the next month before they are built;
    clicks after it are carried over.
    """
    id_key = _mix64(np.array([seed], dtype=np.uint64) ^ np.uint64(0xD1B54A32D192ED03))[0]
    tables = _tables(plan)
    bounds = plan.month_starts
    n_months = len(plan.month_keys)
    # rank of each dispatch in the files (dispatch_id order); index -1 (no dispatch) last
    rank = np.array([d.number for d in plan.dispatches] + [len(plan.dispatches) + 1], dtype=np.int64)
    start_month = np.searchsorted(bounds, [d.start_us for d in plan.dispatches], side="right") - 1
    test_month = np.searchsorted(bounds, plan.tests["created_us"], side="right") - 1
    # a day's transactional messages are made in the month it starts (some may carry over)
    api_month = np.searchsorted(bounds, plan.day_start_us[:-1], side="right") - 1
    big = [i for i, d in enumerate(plan.dispatches) if d.kind == "big"]
    big_rng = Generator(PCG64([seed, 3]))  # its own stream and id range: the rest stays the same
    carry, big_carry = _Specs.empty(), _Specs.empty()
    carry_clicks = _Clicks.concat([])
    seq = 0
    total_messages = total_clicks = 0

    with _ParquetFiles() as out:
        for m in range(n_months):
            rng = Generator(PCG64([seed, 1, m]))
            regular = [i for i, d in enumerate(plan.dispatches) if start_month[i] == m and d.kind != "big"]
            parts: list[_Specs] = [carry]
            if regular:
                parts.append(_bulk_specs(rng, plan, regular, seq))
                seq += len(parts[-1])
            sel = np.flatnonzero(test_month == m)
            if sel.size:
                parts.append(_Specs(
                    created_us=plan.tests["created_us"][sel], source=np.ones(sel.size, dtype=np.int8),
                    entity=plan.tests["entity"][sel], dispatch=np.full(sel.size, -1, dtype=np.int32),
                    number=plan.staff[rng.integers(0, len(plan.staff), sel.size)],
                    seq=np.arange(seq, seq + sel.size, dtype=np.uint64)))
                seq += sel.size
            days = np.flatnonzero(api_month == m)
            if plan.api_per_day[days].sum():
                parts.append(_api_specs(rng, plan, days, seq))
                seq += len(parts[-1])
            end = bounds[m + 1]
            specs = _concat_specs(parts)
            del parts
            specs, carry = _split_specs(specs, end)
            specs = specs.take(_file_order(specs, rank))
            big_specs = _concat_specs([big_carry] + [_bulk_specs(big_rng, plan, [i], 1 << 40)
                                                     for i in big if start_month[i] == m])
            big_specs, big_carry = _split_specs(big_specs, end)

            # The big dispatch's rows are one block in the file order: built from its own
            # stream and written in their place among the others.
            month = plan.month_keys[m]
            path = lake.messages_dir / f"month={month}" / "part-0000.parquet"
            clicks = [carry_clicks]

            def write_big() -> None:
                for lo in range(0, len(big_specs), SLICE_ROWS):
                    rows, cl = _build_rows(big_rng, tables, big_specs.take(slice(lo, lo + SLICE_ROWS)), id_key)
                    out.append(path, rows, MESSAGES_STATISTICS)
                    clicks.append(cl)

            n = len(specs)
            big_at = int(np.searchsorted(rank[specs.dispatch], rank[big[0]])) if len(big_specs) else -1
            for lo in range(0, n, SLICE_ROWS):
                rows, cl = _build_rows(rng, tables, specs.take(slice(lo, lo + SLICE_ROWS)), id_key)
                clicks.append(cl)
                if lo <= big_at < lo + rows.num_rows:
                    if big_at > lo:
                        out.append(path, rows.slice(0, big_at - lo), MESSAGES_STATISTICS)
                    write_big()
                    rows = rows.slice(big_at - lo)
                if rows.num_rows:
                    out.append(path, rows, MESSAGES_STATISTICS)
            if big_at >= n:
                write_big()
            if n + len(big_specs):
                out.close(path)
            total_messages += n + len(big_specs)
            del specs, big_specs

            month_clicks, carry_clicks = _Clicks.concat(clicks).split(end)
            del clicks
            if len(month_clicks):
                clicks_path = lake.clicks_dir / f"month={month}" / "part-0000.parquet"
                out.append(clicks_path, _clicks_table(tables, month_clicks), CLICKS_STATISTICS)
                out.close(clicks_path)
                total_clicks += len(month_clicks)
            del month_clicks
            if progress:
                progress("messages", m + 1, n_months)
    if len(carry) or len(big_carry) or len(carry_clicks):  # nothing happens after `until`
        raise AssertionError("rows after the last month")
    return total_messages, total_clicks


class _ParquetFiles:
    """Writes Parquet files on a background thread, while the caller builds the next rows.

    `append(path, table, statistics)` adds row groups to the file (created on first
    use, with min/max statistics for the columns `statistics`), `close(path)`
    finishes it. At most a few tables wait in the queue (bounded memory). The files
    go into the lake's private staging copy, so they need no atomic replacing; an
    error in the thread is raised in the caller's next call.

    Tables come with dictionary columns (the writer stores their indices as they
    are) and are stored without the Arrow schema, so readers see plain strings:
    exactly the lake's schema.
    """

    def __init__(self, depth: int = 3):
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="demo-writer", daemon=True)
        self._thread.start()

    def __enter__(self) -> _ParquetFiles:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._queue.put(None)
        self._thread.join()
        if exc is None and self._error is not None:
            raise self._error

    def append(self, path: Path, table: pa.Table, statistics: list[str]) -> None:
        self._raise()
        self._queue.put(("append", path, (table, statistics)))

    def close(self, path: Path) -> None:
        self._raise()
        self._queue.put(("close", path, None))

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        writers: dict[Path, pq.ParquetWriter] = {}
        while (item := self._queue.get()) is not None:
            if self._error is not None:
                continue  # drain until the caller stops
            op, path, arg = item
            try:
                if op == "append":
                    table, statistics = arg
                    if path not in writers:
                        path.parent.mkdir(parents=True, exist_ok=True)
                        writers[path] = pq.ParquetWriter(
                            path, table.schema, compression=COMPRESSION, store_schema=False,
                            use_dictionary=dictionary_columns(table.schema), write_statistics=statistics,
                            column_encoding=column_encoding(table.schema))
                    writers[path].write_table(table, row_group_size=ROW_GROUP_ROWS)
                else:
                    writers.pop(path).close()
            except BaseException as e:  # handed to the caller
                self._error = e
        for w in writers.values():
            try:
                w.close()
            except Exception:
                pass


def _dispatch_table(plan: _Plan) -> pa.Table:
    ds = sorted(plan.dispatches, key=lambda d: d.number)
    return pa.table(
        {
            "dispatch_id": [d.dispatch_id for d in ds],
            "number": pa.array([d.number for d in ds], type=pa.int64()),
            "name": [d.name for d in ds],
            "description": pa.array([d.description for d in ds], type=pa.string()),
            "message_text": [d.text for d in ds],
            "recipient_group": [d.group for d in ds],
            "sender": [plan.entities[d.entity].sender for d in ds],
            "created_at": _ts(np.array([d.created_us for d in ds], dtype=np.int64)),
        },
        schema=schema.DISPATCHES,
    )
