"""The bot-click rule (DESIGN.md, "The lake": clicks.is_bot).

A click is a bot click when the client that fetched the link is a machine: a crawler, a link
preview fetcher (messengers, social networks, iMessage), a mail or web security scanner, a
headless browser or an HTTP library; or when the click came within `BOT_CLICK_WINDOW_SECONDS`
of the delivery (no person reads an SMS and taps its link that fast: that is a scanner on the
phone or in the network).

User agents are judged by a maintained list, the `crawler-user-agents` package (its patterns,
case-sensitive as the package matches them), and by `OWN_PATTERNS`: SMS and mail fetchers that
list lacks (case-insensitive). A new version of the package or of this list changes the
verdicts of new imports only: `python app.py clicks reclassify` applies it to stored clicks.

One rule, two forms: `is_bot_click` for one click and `bot_click_mask` for a column
(pyarrow, pandas or numpy). Both give the same answers; the tests check that.

User agents:
- `None` means "not known" (the provider reports clicks without a user agent); it is not
  evidence either way, so only the time window applies.
- An empty or blank user agent, or "-", is a bot: every browser sends one.

Time window: `seconds_after_delivery` is the click time minus the delivery time
(done_at of a delivered message). It may be slightly negative when the delivery
receipt reaches the platform after an on-phone scanner has already fetched the link,
so the window is taken both ways: |seconds| <= BOT_CLICK_WINDOW_SECONDS. `None` or NaN
(delivery never confirmed) means no time evidence.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from crawleruseragents import CRAWLER_USER_AGENTS_DATA

BOT_CLICK_WINDOW_SECONDS = 10

# The maintained list: regular expressions valid in Python `re` and RE2 alike (the tests check).
MAINTAINED_PATTERNS: tuple[str, ...] = tuple(entry["pattern"] for entry in CRAWLER_USER_AGENTS_DATA)

# Fetchers of links sent by SMS or mail that the maintained list lacks (case-insensitive).
# Kept specific: an app's in-app browser is a person (KakaoTalk's is "KAKAOTALK 10.x").
OWN_PATTERNS: tuple[str, ...] = (
    # Google Messages (Android's SMS/RCS app) fetches a link's preview with this token (Google's
    # list of user-triggered fetchers)
    r"GoogleMessages",
    # Outlook and the other Office apps fetch a link themselves (link preview, "Microsoft Office
    # Existence Discovery") before, or instead of, opening the browser; Safe Links checks of
    # Microsoft 365 mail often carry the same agents
    r"Microsoft Office",
    r"ms-office",
    r"MSOffice",
    # mail security gateways that open every link of a message to scan it and name themselves:
    # Proofpoint URL Defense, Barracuda Link Protection, Mimecast URL Protect
    r"Proofpoint",
    r"Barracuda",
    r"Mimecast",
    # KakaoTalk's link preview (the messenger most Korean phones forward an SMS link to)
    r"kakaotalk-scrap",
)

# RE2 (Arrow) keeps a regex's automaton within a fixed memory budget: the whole list in one regex
# overflows it and RE2 falls back to a matcher ~1,000x slower; so do regexes of 400+ patterns on
# varied crawler agents. At most this many patterns per regex stays fast (bench/bot_rule.py).
_PATTERNS_PER_REGEX = 250
_EMPTY = r"^[\t\n\f\r ]*-?[\t\n\f\r ]*$"


def _alternation(patterns: Sequence[str]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


def _regexes() -> tuple[str, ...]:
    """Returns the rule as a few regexes: a user agent is a bot when any of them matches."""
    # in alphabetical order, patterns sharing a start share automaton states: faster by ~1.5x (bench/bot_rule.py)
    ordered = sorted(MAINTAINED_PATTERNS, key=str.lower)
    chunks = [_alternation(ordered[i : i + _PATTERNS_PER_REGEX]) for i in range(0, len(ordered), _PATTERNS_PER_REGEX)]
    return (*chunks, f"(?i:{_alternation(OWN_PATTERNS)})", _EMPTY)


REGEXES = _regexes()


@functools.cache
def _python_regex() -> re.Pattern:
    # compiled on first use: one regex for one user agent at a time (Python's engine has no such budget)
    return re.compile("|".join(f"(?:{r})" for r in REGEXES))


def is_bot_user_agent(ua: str | None) -> bool:
    """Returns True when `ua` names a machine client; False for browsers and for None.

    None means the user agent is not known and is not evidence of a bot; an empty or
    blank user agent (or "-") is a bot, since every browser sends one.
    """
    if ua is None:
        return False
    return _judged(ua)


@functools.lru_cache(maxsize=4096)
def _judged(ua: str) -> bool:
    return _python_regex().search(ua) is not None


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
    # a click log repeats a few thousand agents: judge each distinct one once
    encoded = ua if pa.types.is_dictionary(ua.type) else pc.dictionary_encode(ua)
    distinct = encoded.dictionary
    verdict = pa.repeat(False, len(distinct))
    for regex in REGEXES:
        verdict = pc.or_(verdict, pc.match_substring_regex(distinct, pattern=regex))
    # None (unknown user agent) -> False
    return _to_numpy_bool(pc.fill_null(verdict.take(encoded.indices), False))


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
            if not pa.types.is_string(values.type.value_type):
                values = values.dictionary_decode()
            return values
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
