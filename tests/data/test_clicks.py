"""The bot-click rule (data/clicks.py) over real user-agent strings."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from crawleruseragents import CRAWLER_USER_AGENTS_DATA

from data import clicks
from data.clicks import BOT_CLICK_WINDOW_SECONDS, bot_click_mask, bot_user_agent_mask, is_bot_click, is_bot_user_agent

HUMAN = {
    "iPhone Safari": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "iPhone Chrome": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) CriOS/125.0.6422.80 Mobile/15E148 Safari/604.1",
    "Android Chrome": "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36",
    "Samsung Internet": "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 "
    "(KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
    "Xiaomi MIUI browser": "Mozilla/5.0 (Linux; U; Android 13; pl-pl; 2201117TY Build/TKQ1.221114.001) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/112.0.5615.136 Mobile Safari/537.36 "
    "XiaoMi/MiuiBrowser/14.9.1-gn",
    "Huawei browser": "Mozilla/5.0 (Linux; Android 12; NOH-NX9) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/114.0.5735.196 HuaweiBrowser/14.0.5.302 Mobile Safari/537.36",
    "Opera Android": "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36 OPR/82.0.4308.78978",
    "Firefox Android": "Mozilla/5.0 (Android 14; Mobile; rv:126.0) Gecko/126.0 Firefox/126.0",
    "Cubot phone (contains 'bot')": "Mozilla/5.0 (Linux; Android 12; CUBOT X50) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
    "Facebook in-app browser": "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240905.003; wv) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/130.0.6723.86 Mobile Safari/537.36 "
    "[FB_IAB/FB4A;FBAV/487.0.0.56.109;]",
    "Instagram in-app browser": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 Instagram 353.0.0.24.87 (iPhone15,3; iOS 18_0; pl_PL; pl; scale=3.00; "
    "1290x2796; 651279870)",
    "desktop Firefox": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:126.0) Gecko/20100101 Firefox/126.0",
    "desktop Edge": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/125.0.0.0 Safari/537.36 Edg/125.0.0.0",
    "desktop Safari": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4.1 Safari/605.1.15",
}

BOT = {
    "Facebook": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Apple iMessage preview": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 "
    "(KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0",
    "WhatsApp Android": "WhatsApp/2.23.20.0 A",
    "WhatsApp iOS": "WhatsApp/2.24.13.51 i",
    "Telegram": "TelegramBot (like TwitterBot)",
    "Slack": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Twitter": "Twitterbot/1.0",
    "LinkedIn": "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Skype / Teams": "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com",
    "Discord": "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "Googlebot smartphone": "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/125.0.6422.141 Mobile Safari/537.36 (compatible; Googlebot/2.1; "
    "+http://www.google.com/bot.html)",
    "bingbot": "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "curl": "curl/8.5.0",
    "python-requests": "python-requests/2.31.0",
    "Go": "Go-http-client/2.0",
    "Proofpoint": "Mozilla/5.0 (compatible; Proofpoint URL Defense)",
    "Barracuda": "Barracuda Sentinel (EE)",
    "Mimecast": "Mimecast URL Protect",
    "Outlook link check": "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.12026; Pro)",
    "Office existence discovery": "Microsoft Office Existence Discovery",
    "headless Chrome": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/120.0.6099.109 Safari/537.36",
    "empty": "",
    "dash": "-",
    # fetchers the hand-written list before the maintained one missed
    "Google Messages preview": "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/138.0.0.0 Mobile Safari/537.36 (compatible; GoogleMessages)",
    "Yahoo Mail link preview": "Mozilla/5.0 (compatible; Yahoo Link Preview; "
    "https://help.yahoo.com/kb/mail/yahoo-link-preview-SLN23615.html)",
    "Yahoo Mail proxy": "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html",
    "Snapchat preview": "Mozilla/5.0 (compatible; SnapURLPreview/1.0; +https://www.snapchat.com)",
    "LINE preview": "Mozilla/5.0 (compatible; Linespider/1.1; +https://lin.ee/4dwXkTH)",
    "Gadu-Gadu preview": "GG PeekBot 2.0 ( https://www.gg.pl/ https://www.gg.pl/info/praca/ )",
    "Meta (new name)": "Mozilla/5.0 (compatible; Meta-ExternalHit/1.1; +http://www.facebook.com/externalhit_uatext.php)",
    "Twilio proxy": "TwilioProxy/1.1",
    "Bluesky preview": "Bluesky/",
    "KakaoTalk preview": "kakaotalk-scrap/1.0; +https://devtalk.kakao.com/t/scrap/33984",
}

MOBILE_BROWSERS = [
    line
    for line in (Path(__file__).parent.parent / "samples" / "mobile_browsers.txt").read_text().splitlines()
    if line and not line.startswith("#")
]


@pytest.mark.parametrize("name", sorted(HUMAN))
def test_browsers_are_human(name):
    assert is_bot_user_agent(HUMAN[name]) is False
    assert is_bot_click(HUMAN[name], 3600.0) is False


@pytest.mark.parametrize("name", sorted(BOT))
def test_fetchers_and_scanners_are_bots(name):
    assert is_bot_user_agent(BOT[name]) is True
    assert is_bot_click(BOT[name], 3600.0) is True
    assert is_bot_click(BOT[name], None) is True


def test_own_fetchers_match_in_any_case():
    # the maintained list's patterns keep their case, as its package matches them; ours ignore it
    assert is_bot_user_agent("microsoft office existence discovery")
    assert is_bot_user_agent("MIMECAST URL PROTECT")


def test_no_ordinary_mobile_browser_is_a_bot():
    assert len(MOBILE_BROWSERS) >= 20
    for token in ("Chrome/", "CriOS/", "SamsungBrowser/", "Firefox/", "FxiOS/", "EdgA/", "EdgiOS/", "OPR/", "OPT/"):
        assert any(token in ua for ua in MOBILE_BROWSERS), token
    assert any("iPhone" in ua for ua in MOBILE_BROWSERS) and any("Android" in ua for ua in MOBILE_BROWSERS)
    assert [ua for ua in MOBILE_BROWSERS if is_bot_user_agent(ua)] == []
    assert not bot_user_agent_mask(MOBILE_BROWSERS).any()


def test_every_sample_of_the_maintained_list_is_a_bot():
    samples = [ua for entry in CRAWLER_USER_AGENTS_DATA for ua in entry["instances"]]
    assert len(samples) > 2000
    mask = bot_user_agent_mask(samples)
    assert [ua for ua, bot in zip(samples, mask) if not bot] == []
    # one rule, two forms: the scalar form (Python's regex engine) agrees with Arrow's RE2
    assert [is_bot_user_agent(ua) for ua in samples] == mask.tolist()


def test_unknown_user_agent_is_not_evidence():
    assert is_bot_user_agent(None) is False
    assert is_bot_click(None, 3600) is False
    assert is_bot_click(None, 2) is True


@pytest.mark.parametrize(
    ("seconds", "bot"),
    [
        (0.0, True),
        (0.4, True),
        (3, True),
        (BOT_CLICK_WINDOW_SECONDS, True),
        (BOT_CLICK_WINDOW_SECONDS + 0.5, False),
        (11, False),
        (95, False),
        (3600, False),
        (3 * 86400, False),
        (-4, True),  # the receipt came a few seconds after an on-phone scanner's fetch
        (-600, False),
        (None, False),
        (math.nan, False),
    ],
)
def test_time_window(seconds, bot):
    assert BOT_CLICK_WINDOW_SECONDS == 10
    assert is_bot_click(HUMAN["iPhone Safari"], seconds) is bot


def test_vectorized_matches_scalar_for_every_input_form():
    uas = list(HUMAN.values()) + list(BOT.values()) + [None]
    seconds = [3600.0] * len(uas)
    seconds[0] = 2.0  # a browser within the window
    seconds[1] = None  # delivery never confirmed
    seconds[-1] = 5.0  # unknown UA within the window
    expected = np.array([is_bot_click(u, s) for u, s in zip(uas, seconds)])
    assert expected.sum() == len(BOT) + 2  # the table means what it says

    secs_np = np.array([np.nan if s is None else s for s in seconds])
    forms = [
        (pa.array(uas, type=pa.string()), pa.array(seconds, type=pa.float64())),
        (pa.chunked_array([pa.array(uas[:5]), pa.array(uas[5:])]), secs_np),
        (pd.Series(uas, dtype="string"), pd.Series(secs_np)),
        (pd.Series(uas, dtype=object), secs_np),
        (uas, seconds),
        (np.array(uas, dtype=object), np.array(seconds, dtype=object)),
    ]
    for ua_col, sec_col in forms:
        got = bot_click_mask(ua_col, sec_col)
        assert got.dtype == bool
        np.testing.assert_array_equal(got, expected)

    ua_only = np.array([is_bot_user_agent(u) for u in uas])
    np.testing.assert_array_equal(bot_user_agent_mask(uas), ua_only)
    np.testing.assert_array_equal(bot_click_mask(uas), ua_only)
    np.testing.assert_array_equal(bot_click_mask(pa.array(uas).dictionary_encode()), ua_only)


def test_vectorized_rejects_mismatched_lengths_and_handles_empty():
    with pytest.raises(ValueError):
        bot_click_mask(["curl/8.0"], [1.0, 2.0])
    assert bot_click_mask([], []).shape == (0,)


def test_patterns_compile_for_python_and_arrow():
    # every pattern alone, in both regex engines; the rule's regexes hold every pattern once
    for pattern in clicks.MAINTAINED_PATTERNS + clicks.OWN_PATTERNS:
        re.compile(pattern)
        pc.match_substring_regex(pa.array(["x"]), pattern=pattern)
    joined = "".join(clicks.REGEXES)
    for pattern in clicks.MAINTAINED_PATTERNS + clicks.OWN_PATTERNS:
        assert f"(?:{pattern})" in joined
    assert len(clicks.MAINTAINED_PATTERNS) > 1000
