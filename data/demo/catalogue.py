"""What the demo draws from: providers and their prices, operators and their failure
profiles, outcomes and each provider's raw codes, recipient groups, campaign themes
and texts, transactional labels, user agents.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data.schema import Reason, Status

PROVIDERS = ("smsapi", "infobip", "twilio")
# price per segment (PLN) by provider: before / after the price list change half way
PRICE_PER_SEGMENT = ((0.089, 0.079), (0.115, 0.109), (0.158, 0.145))

OPERATORS = ("Orange", "Play", "Plus", "T-Mobile", "Heyah", "Plush", "Virgin Mobile")
ROUTE_DOWN_OPERATOR = 3  # T-Mobile: the one operator a dispatch's "route down" incident hits
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
# A dispatch's "route down at one operator" incident: failure multipliers of these outcomes, at
# ROUTE_DOWN_OPERATOR only.
ROUTE_DOWN = ((O_ROUTING, 25.0), (O_NETWORK, 5.0))

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

MONTHS_PL = (
    "styczeń",
    "luty",
    "marzec",
    "kwiecień",
    "maj",
    "czerwiec",
    "lipiec",
    "sierpień",
    "wrzesień",
    "październik",
    "listopad",
    "grudzień",
)
# (in the city, the city)
CITIES = (
    ("Krakowie", "Kraków"),
    ("Gdańsku", "Gdańsk"),
    ("Wrocławiu", "Wrocław"),
    ("Poznaniu", "Poznań"),
    ("Łodzi", "Łódź"),
    ("Katowicach", "Katowice"),
    ("Lublinie", "Lublin"),
    ("Rzeszowie", "Rzeszów"),
)
STREETS = ("Długa 12", "Piotrkowska 104", "Świętojańska 21", "Półwiejska 42", "Mariacka 5", "Krakowska 8")


@dataclass(frozen=True)
class Theme:
    """A campaign theme: when it runs, its discount code stem, description and text."""

    name: str
    months: tuple[int, ...]  # () = any month
    code: str  # discount code stem
    description: str
    text: str  # with diacritics; placeholders {brand} {pct} {code} {link} {date} {city} {street} {pts}
    weight: float = 1.0


THEMES: tuple[Theme, ...] = (
    Theme(
        "Black Friday",
        (11,),
        "BF",
        "Black Friday: rabat na cały asortyment",
        "{brand}: Black Friday już trwa! -{pct}% na wszystko z kodem {code}. Tylko do niedzieli: {link}",
        4,
    ),
    Theme(
        "Cyber Monday",
        (11, 12),
        "CM",
        "Cyber Monday: rabat tylko online",
        "{brand}: Cyber Monday – tylko dziś -{pct}% online z kodem {code}. {link}",
        2,
    ),
    Theme(
        "Dzień Singla 11.11",
        (11,),
        "SINGLE",
        "11.11: rabat na drugi produkt",
        "{brand}: 11.11 Dzień Singla – -{pct}% na drugi produkt. Tylko dziś! {link}",
        1,
    ),
    Theme(
        "Mikołajki",
        (12,),
        "MIKOLAJ",
        "Mikołajki: zabawki i słodycze",
        "{brand}: Na Mikołajki prezent od nas: -{pct}% na zabawki i słodycze do {date}. {link}",
        2,
    ),
    Theme(
        "Prezenty świąteczne",
        (12,),
        "SWIETA",
        "Dostawa przed Wigilią",
        "{brand}: Prezenty na Święta z dostawą przed Wigilią! Zamów do {date}, a my zdążymy. {link}",
        3,
    ),
    Theme(
        "Wyprzedaż zimowa",
        (1, 2),
        "ZIMA",
        "Wyprzedaż sezonowa: kurtki, buty, swetry",
        "{brand}: Wielka wyprzedaż zimowa – rabaty do -{pct}% na kurtki, buty i swetry. Sprawdź: {link}",
        3,
    ),
    Theme(
        "Walentynki",
        (2,),
        "LOVE",
        "Perfumy i biżuteria na Walentynki",
        "{brand}: Walentynki tuż-tuż! Perfumy i biżuteria -{pct}% z kodem {code} do {date}. {link}",
        2,
    ),
    Theme(
        "Dzień Kobiet",
        (3,),
        "KOBIETY",
        "8 marca: kosmetyki i kwiaty",
        "{brand}: Z okazji Dnia Kobiet -{pct}% na kosmetyki i kwiaty. Tylko {date}! {link}",
        2,
    ),
    Theme(
        "Kolekcja wiosenna",
        (3, 4),
        "WIOSNA",
        "Premiera kolekcji wiosennej",
        "{brand}: Nowa kolekcja wiosenna już w sklepach i online. Na start -{pct}% z kodem {code}: {link}",
        2,
    ),
    Theme(
        "Wielkanoc",
        (3, 4),
        "JAJKO",
        "Dekoracje i dostawa 24h przed świętami",
        "{brand}: Wielkanocne zakupy bez stresu – dostawa w 24h i -{pct}% na dekoracje. {link}",
        2,
    ),
    Theme(
        "Majówka",
        (4, 5),
        "MAJOWKA",
        "Grill, ogród, camping",
        "{brand}: Majówka z rabatem! -{pct}% na grille, meble ogrodowe i namioty do {date}. {link}",
        2,
    ),
    Theme(
        "Dzień Matki",
        (5,),
        "MAMA",
        "Prezenty na Dzień Matki",
        "{brand}: Dzień Matki 26 maja. Wybierz prezent z rabatem {pct}% – kod {code}. {link}",
        2,
    ),
    Theme(
        "Dzień Dziecka",
        (5, 6),
        "DZIECKO",
        "Zabawki na 1 czerwca",
        "{brand}: Na Dzień Dziecka zabawki -{pct}%! Oferta ważna do {date}. {link}",
        2,
    ),
    Theme(
        "Dzień Ojca",
        (6,),
        "TATA",
        "Narzędzia i elektronika na Dzień Ojca",
        "{brand}: Dzień Ojca 23 czerwca – narzędzia i elektronika -{pct}% z kodem {code}. {link}",
        1,
    ),
    Theme(
        "Wakacyjna wyprzedaż",
        (6, 7, 8),
        "LATO",
        "Stroje kąpielowe, okulary, walizki",
        "{brand}: Wakacyjna wyprzedaż: stroje kąpielowe, okulary i walizki do -{pct}%. {link}",
        3,
    ),
    Theme(
        "Powrót do szkoły",
        (8, 9),
        "SZKOLA",
        "Plecaki i przybory szkolne",
        "{brand}: Powrót do szkoły! Plecaki i przybory -{pct}% z kodem {code} do {date}. {link}",
        3,
    ),
    Theme(
        "Kolekcja jesienna",
        (9, 10),
        "JESIEN",
        "Płaszcze i swetry z nowej kolekcji",
        "{brand}: Jesień w nowym stylu – płaszcze i swetry z nowej kolekcji -{pct}%. {link}",
        2,
    ),
    Theme(
        "Halloween",
        (10,),
        "BOO",
        "Kostiumy i dekoracje",
        "{brand}: Halloween! Kostiumy i dekoracje -{pct}% tylko do {date}. {link}",
        1,
    ),
    Theme(
        "Porzucony koszyk",
        (),
        "KOSZYK",
        "Przypomnienie o porzuconym koszyku, darmowa dostawa",
        "{brand}: Twój koszyk czeka! Dokończ zamówienie, a dostawa będzie gratis: {link}",
        3,
    ),
    Theme(
        "Darmowa dostawa w weekend",
        (),
        "DOSTAWA",
        "Darmowa dostawa od 1 zł",
        "{brand}: W ten weekend darmowa dostawa od 1 zł. Zamów do niedzieli: {link}",
        2,
    ),
    Theme(
        "Urodziny sklepu",
        (),
        "URODZINY",
        "Rabat urodzinowy na wszystko",
        "{brand}: Mamy urodziny i to Ty dostajesz prezent: -{pct}% na wszystko z kodem {code}. {link}",
        1,
    ),
    Theme(
        "Punkty lojalnościowe",
        (),
        "PUNKTY",
        "Przypomnienie o punktach do wymiany",
        "{brand}: Masz {pts} punktów w programie lojalnościowym. Wymień je na rabat przy kasie do {date}.",
        2,
    ),
    Theme(
        "Otwarcie salonu",
        (),
        "OTWARCIE",
        "Zaproszenie na otwarcie nowego salonu",
        "{brand}: Zapraszamy na otwarcie nowego salonu w {city}, ul. {street}! W sobotę -{pct}% na wszystko.",
        1,
    ),
    Theme(
        "Ankieta NPS",
        (),
        "NPS",
        "Badanie satysfakcji po zakupach",
        "{brand}: Jak oceniasz ostatnie zakupy? Wypełnij krótką ankietę (1 min): {link}",
        1,
    ),
    Theme(
        "Flash sale 24h",
        (),
        "FLASH",
        "Promocja błyskawiczna 24h",
        "{brand}: Tylko 24h! -{pct}% na wybrane produkty. Start o 20:00: {link}",
        3,
    ),
    Theme(
        "Kod dla stałych klientów",
        (),
        "STALY",
        "Kod rabatowy do wykorzystania w sklepie",
        "{brand}: Dla Ciebie, stały kliencie: kod {code} na -{pct}% przy kasie, ważny do {date}.",
        2,
    ),
    Theme(
        "Nowości tygodnia",
        (),
        "NOWE",
        "Przegląd nowości w sklepie internetowym",
        "{brand}: Nowości tygodnia już online. Zobacz, co dla Ciebie przygotowaliśmy: {link}",
        3,
    ),
    Theme(
        "Zmiana regulaminu programu",
        (),
        "REGULAMIN",
        "Informacja o zmianie regulaminu programu lojalnościowego",
        "{brand}: Od {date} zmieniamy regulamin programu lojalnościowego. Punkty zebrane do tego dnia "
        "pozostają ważne przez 12 miesięcy, a za każde wydane 10 zł otrzymasz teraz 2 punkty zamiast 1. "
        "Szczegóły: {link}",
        0.5,
    ),
    Theme(
        "Wieczór zakupów VIP",
        (),
        "VIP",
        "Zaproszenie na zamknięte zakupy dla klubu",
        "{brand}: Zapraszamy na Wieczór Zakupów VIP {date} od 18:00 do 22:00. Dla członków klubu "
        "-{pct}% na całą kolekcję, poczęstunek i stylista na miejscu. Liczba miejsc ograniczona, "
        "zapisy: {link}",
        0.7,
    ),
)
THEME_SYLWESTER = Theme(
    "Sylwestrowa promocja do 2:00",
    (12,),
    "NOWYROK",
    "Nocna promocja na przełomie roku",
    "{brand}: Sylwestrowa noc zakupów! Do 2:00 -{pct}% na wszystko z kodem {code}: {link}",
)
THEME_DST = Theme(
    "Nocna wyprzedaż – zmiana czasu",
    (),
    "NOC",
    "Nocna promocja w noc zmiany czasu",
    "{brand}: Zmiana czasu = dodatkowa godzina zakupów! Do rana -{pct}% z kodem {code}: {link}",
)
THEME_EVENING = Theme(
    "Nocne zakupy",
    (),
    "NOCNE",
    "Wieczorna promocja trwająca do północy i dłużej",
    "{brand}: Nocne zakupy! Od teraz do 1:00 -{pct}% na wszystko z kodem {code}: {link}",
)
THEME_BIG = Theme(
    "Wielka wyprzedaż – cała baza",
    (),
    "WIELKA",
    "Wysyłka do całej bazy z aktywną zgodą marketingową",
    "{brand}: Wielka wyprzedaż! Do -{pct}% na tysiące produktów, tylko przez 3 dni: {link}",
)

# Transactional (API) campaign labels: label, share, sender, provider, text, human CTR.
API_LABELS: tuple[tuple[str | None, float, str, int, str, float], ...] = (
    (
        "potwierdzenie-zamowienia",
        0.34,
        "SKLEP",
        0,
        "Dziękujemy za zamówienie nr 2026/481516. Śledź przesyłkę: https://sms.example/t/a7k2p",
        0.09,
    ),
    ("kod-2fa", 0.30, "SKLEP", 1, "Twoj kod logowania: 482913. Nie podawaj go nikomu. SKLEP", 0.0),
    (
        "reset-hasla",
        0.10,
        "SKLEP",
        1,
        "SKLEP: aby ustawic nowe haslo, kliknij https://sms.example/r/q9x3m (link wazny 15 min). "
        "Jesli to nie Ty, zignoruj te wiadomosc.",
        0.11,
    ),
    (
        "przypomnienie-wizyty",
        0.15,
        "SKLEP",
        0,
        "Przypominamy o wizycie jutro o 10:30 w salonie SKLEP, ul. Marszałkowska 10. "
        "Potwierdź lub odwołaj: https://sms.example/w/m3d8s",
        0.06,
    ),
    (None, 0.11, "SKLEP.PL", 2, "Twoja paczka czeka w punkcie odbioru. Kod odbioru: 640213.", 0.0),
)

# Human user agents (and their shares among recipients' devices).
HUMAN_USER_AGENTS: tuple[tuple[str, float], ...] = (
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.1 Mobile/15E148 Safari/604.1",
        0.20,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.6 Mobile/15E148 Safari/604.1",
        0.12,
    ),
    (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Mobile Safari/537.36",
        0.34,
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
        0.12,
    ),
    (
        "Mozilla/5.0 (Linux; U; Android 13; pl-pl; 2201117TY Build/TKQ1.221114.001) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/112.0.5615.136 Mobile Safari/537.36 XiaoMi/MiuiBrowser/14.9.1-gn",
        0.05,
    ),
    ("Mozilla/5.0 (Android 14; Mobile; rv:132.0) Gecko/132.0 Firefox/132.0", 0.02),
    (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240905.003; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Version/4.0 Chrome/130.0.6723.86 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/487.0.0.56.109;]",
        0.04,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Mobile/15E148 Instagram 353.0.0.24.87 (iPhone15,3; iOS 18_0; pl_PL; pl; scale=3.00; 1290x2796; 651279870)",
        0.03,
    ),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0", 0.04),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
        0.04,
    ),
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


SOURCES = ("bulk", "test", "api")


UA_VOCAB = tuple(ua for ua, _ in HUMAN_USER_AGENTS) + PREVIEW_USER_AGENTS + SCANNER_USER_AGENTS

# Transactional messages by hour of the local day: few at night, peaks late morning and evening.
API_HOURS_W = np.array(
    [
        0.3,
        0.2,
        0.1,
        0.1,
        0.1,
        0.2,
        0.5,
        1.0,
        1.6,
        2.0,
        2.2,
        2.1,
        2.0,
        1.9,
        1.9,
        1.9,
        2.0,
        2.1,
        2.3,
        2.4,
        2.3,
        1.8,
        1.1,
        0.6,
    ]
)
