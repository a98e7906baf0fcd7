"""The bot-click rule (DESIGN.md, "The lake": clicks.is_bot).

A click is a bot click when the client that fetched the link is a machine: a link
preview fetcher (messengers, social networks, iMessage), a mail or web security
scanner, a crawler, a headless browser or an HTTP library; or when the click came
within `BOT_CLICK_WINDOW_SECONDS` of the delivery (no person reads an SMS and taps its
link that fast: that is a scanner on the phone or in the network).

One rule, two forms: `is_bot_click` for one click and `bot_click_mask` for a column
(pyarrow, pandas or numpy). Both give the same answers; the tests check that.

User agents:
- `None` means "not known" (some providers report clicks without a user agent); it
  is not evidence either way, so only the time window applies.
- An empty or blank user agent, or "-", is a bot: every browser sends one.

Time window: `seconds_after_delivery` is the click time minus the delivery time
(done_at of a delivered message). It may be slightly negative when the delivery
receipt reaches the platform after an on-phone scanner has already fetched the link,
so the window is taken both ways: |seconds| <= BOT_CLICK_WINDOW_SECONDS. `None` or NaN
(delivery never confirmed) means no time evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

BOT_CLICK_WINDOW_SECONDS = 10

# Case-insensitive regular expressions (Python `re` and RE2 alike: no look-arounds).
# Kept specific: a bare "bot" would also match phones such as the "CUBOT" brand.
BOT_USER_AGENT_PATTERNS: tuple[str, ...] = (
    # link preview fetchers of messengers and social networks
    r"facebookexternalhit",
    r"facebot",
    r"facebookcatalog",
    r"meta-externalagent",
    r"whatsapp",
    r"telegrambot",
    r"slackbot",
    r"slack-imgproxy",
    r"twitterbot",
    r"linkedinbot",
    r"skypeuripreview",
    r"discordbot",
    r"viber",
    r"pinterestbot",
    r"redditbot",
    r"embedly",
    r"iframely",
    r"vkshare",
    r"mattermost",
    r"rocket\.chat",
    r"google-pagerenderer",
    r"googleimageproxy",
    r"google-read-aloud",
    r"applebot",
    # Microsoft Office / Outlook / Teams link previews and existence checks
    r"microsoft office",
    r"ms-office",
    r"msoffice",
    r"microsoftpreview",
    r"bingpreview",
    # search engines and crawlers
    r"googlebot",
    r"adsbot-google",
    r"mediapartners-google",
    r"bingbot",
    r"yandex(?:bot|images|mobilebot)",
    r"baiduspider",
    r"duckduckbot",
    r"petalbot",
    r"semrushbot",
    r"ahrefsbot",
    r"mj12bot",
    r"dotbot",
    r"bytespider",
    r"gptbot",
    r"claudebot",
    r"ccbot",
    r"\b(?:crawler|spider|scraper)\b",
    r"\bbot\b",
    r"[a-z]bot/\d",
    # security scanners (mail and web gateways, URL rewriters)
    r"proofpoint",
    r"barracuda",
    r"mimecast",
    r"trend ?micro",
    r"symantec",
    r"forcepoint",
    r"zscaler",
    r"fortiguard",
    r"paloalto",
    r"checkpoint",
    r"sophos",
    r"safebrowsing",
    r"urlscan",
    r"virustotal",
    r"cloudflare-?radar",
    # headless browsers and automation
    r"headlesschrome",
    r"phantomjs",
    r"puppeteer",
    r"playwright",
    r"selenium",
    r"lighthouse",
    r"chrome-lighthouse",
    # HTTP libraries and command-line clients
    r"^curl/",
    r"\bcurl/\d",
    r"\bwget/\d",
    r"python-requests",
    r"python-urllib",
    r"python-httpx",
    r"aiohttp",
    r"go-http-client",
    r"okhttp",
    r"java/\d",
    r"apache-httpclient",
    r"libwww-perl",
    r"node-fetch",
    r"axios/",
    r"httpclient",
    r"postmanruntime",
    r"insomnia",
)

_COMBINED = "|".join(f"(?:{p})" for p in BOT_USER_AGENT_PATTERNS)
_BOT_RE = re.compile(_COMBINED, re.IGNORECASE)
_EMPTY_RE = r"^\s*-?\s*$"


def is_bot_user_agent(ua: str | None) -> bool:
    """Returns True when `ua` names a machine client; False for browsers and for None.

    None means the user agent is not known and is not evidence of a bot; an empty or
    blank user agent (or "-") is a bot, since every browser sends one.
    """
    if ua is None:
        return False
    if not ua.strip() or ua.strip() == "-":
        return True
    return _BOT_RE.search(ua) is not None


def _within_window(seconds: float | None) -> bool:
    if seconds is None:
        return False
    try:
        s = float(seconds)
    except (TypeError, ValueError):
        return False
    if s != s:  # NaN
        return False
    return abs(s) <= BOT_CLICK_WINDOW_SECONDS


def is_bot_click(user_agent: str | None, seconds_after_delivery: float | None) -> bool:
    """Returns True for a bot user agent, or a click within the window of delivery.

    `seconds_after_delivery` is clicked_at - done_at of the delivered message, in
    seconds; None (or NaN) when the delivery was never confirmed.
    """
    return is_bot_user_agent(user_agent) or _within_window(seconds_after_delivery)


def bot_user_agent_mask(user_agents) -> np.ndarray:
    """Returns a numpy bool array: is_bot_user_agent for each element.

    Accepts a pyarrow Array/ChunkedArray, a pandas Series, a numpy array or any
    sequence of str/None.
    """
    ua = _to_arrow_strings(user_agents)
    if len(ua) == 0:
        return np.zeros(0, dtype=bool)
    matched = pc.match_substring_regex(ua, pattern=_COMBINED, ignore_case=True)
    empty = pc.match_substring_regex(ua, pattern=_EMPTY_RE)
    out = pc.or_(matched, empty)
    # None (unknown user agent) -> False
    out = pc.fill_null(out, False)
    return _to_numpy_bool(out)


def bot_click_mask(user_agents, seconds_after_delivery=None) -> np.ndarray:
    """Vectorized `is_bot_click`: a numpy bool array, one element per click.

    `seconds_after_delivery` is array-like of floats (NaN or None where the delivery
    was never confirmed) or None for no time evidence at all.
    """
    mask = bot_user_agent_mask(user_agents)
    if seconds_after_delivery is None:
        return mask
    secs = _to_float_array(seconds_after_delivery)
    if len(secs) != len(mask):
        raise ValueError(f"{len(mask)} user agents but {len(secs)} times")
    with np.errstate(invalid="ignore"):
        near = np.abs(secs) <= BOT_CLICK_WINDOW_SECONDS  # NaN -> False
    return mask | near


def _to_arrow_strings(values) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    if isinstance(values, pa.Array):
        if pa.types.is_dictionary(values.type):
            values = values.dictionary_decode()
        if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
            values = values.cast(pa.string())
        return values
    if hasattr(values, "to_numpy") and hasattr(values, "dtype"):  # pandas Series / Index
        values = values.to_numpy(dtype=object, na_value=None)
    if isinstance(values, np.ndarray):
        values = values.tolist()
    if not isinstance(values, Sequence):
        values = list(values) if isinstance(values, Iterable) else [values]
    return pa.array([None if _is_missing(v) else str(v) for v in values], type=pa.string())


def _is_missing(v) -> bool:
    if v is None:
        return True
    return isinstance(v, float) and v != v


def _to_float_array(values) -> np.ndarray:
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return np.asarray(values.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
    if hasattr(values, "to_numpy") and hasattr(values, "dtype"):  # pandas
        return np.asarray(values.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    if isinstance(values, np.ndarray) and values.dtype != object:
        return values.astype(np.float64)
    return np.array([np.nan if _is_missing(v) else float(v) for v in values], dtype=np.float64)


def _to_numpy_bool(arr) -> np.ndarray:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=bool)
