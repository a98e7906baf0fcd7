"""The plan: the dispatches (their days, times, sizes, names and texts), who sends what,
the recipients, the test sends and the transactional messages per day. Small, and made
before any message; the lake's dispatch table is its dispatches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
from numpy.random import PCG64, Generator

from data import schema
from data.demo.catalogue import (
    API_HOURS_W,
    API_LABELS,
    CITIES,
    GROUPS_LARGE,
    GROUPS_MEDIUM,
    GROUPS_SMALL,
    MONTHS_PL,
    O_ABSENT,
    O_COMPLIANCE,
    O_PLATFORM,
    O_UNKNOWN_SUB,
    ROUTE_DOWN,
    STREETS,
    THEME_BIG,
    THEME_DST,
    THEME_EVENING,
    THEME_SYLWESTER,
    THEMES,
    Theme,
)
from data.demo.columns import HOUR, US, timestamps
from data.demo.numbers import Numbers, concat_numbers, make_numbers
from data.encoding import sms_encoding, strip_diacritics


@dataclass
class Entity:
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
class Dispatch:
    """A bulk dispatch: when, how many, and what the dispatch table says of it."""

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
class Plan:
    """Everything decided before the first message is built."""

    tz: ZoneInfo
    first_day: date
    until: date
    now_us: int  # the moment the demo is built: nothing happens at or after it
    day_dates: list[date]
    day_start_us: np.ndarray  # len(days) + 1: local midnights, the last one ending `until`
    dispatches: list[Dispatch]
    entities: list[Entity]
    label_entity0: int  # entity index of labels[0]
    numbers: Numbers
    main_pool: int  # numbers[0:main_pool] are customers
    staff: np.ndarray  # indices of the staff's own numbers (test sends)
    tests: dict[str, np.ndarray]  # created_us, entity, dispatch
    api_per_day: np.ndarray  # transactional messages per day (in tz)
    month_starts: list[int]  # UTC month starts, plus the end
    month_keys: list[str]
    price_change_us: int
    labels: tuple = API_LABELS  # the transactional labels (catalogue.API_LABELS' shape); None: the unlabeled traffic
    label_day: int = -1  # the day (index) whose first messages carry every label once (-1: none)


def demo_labels(count: int | None) -> tuple:
    """Returns the transactional labels of a demo with `count` named labels (None: the catalogue's four), each as
    catalogue.API_LABELS gives them, the unlabeled traffic last. Beyond the catalogue's, each is a variant of one of
    them (`kod-2fa-0005`: another shop's or app's codes), with a smaller share of the traffic the further it comes."""
    named, unlabeled = [x for x in API_LABELS if x[0] is not None], [x for x in API_LABELS if x[0] is None]
    if count is None:
        return API_LABELS
    if count < 0:
        raise ValueError("labels must be 0 or more")
    extra = []
    for k in range(len(named), count):
        label, share, sender, provider, text, ctr = named[k % len(named)]
        extra.append((f"{label}-{k + 1:04d}", share * 2.0 / (k + 1), sender, provider, text, ctr))
    return tuple(named[:count] + extra + unlabeled)


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


def api_hour_cdf(frac: np.ndarray | float) -> np.ndarray:
    """Returns the share of a day's transactional messages sent before `frac` of the day (0..1)."""
    p = API_HOURS_W / API_HOURS_W.sum()
    cum = np.concatenate([[0.0], np.cumsum(p)])
    x = np.clip(np.asarray(frac, dtype=np.float64) * 24.0, 0.0, 24.0)
    h = np.minimum(x.astype(np.int64), 23)
    return cum[h] + (x - h) * p[h]


def api_hour_quantile(u: np.ndarray) -> np.ndarray:
    """Returns the fraction of the day before which a share `u` of its transactional messages is sent
    (the inverse of `api_hour_cdf`)."""
    p = API_HOURS_W / API_HOURS_W.sum()
    cum = np.concatenate([[0.0], np.cumsum(p)])
    h = np.clip(np.searchsorted(cum, u, side="right") - 1, 0, 23)
    return (h + (u - cum[h]) / p[h]) / 24.0


def make_plan(
    rng: Generator,
    *,
    messages: int,
    seed: int,
    until: date,
    tz: ZoneInfo,
    big_dispatch: int | None,
    now_us: int | None = None,
    dispatches: int | None = None,
    labels: int | None = None,
) -> Plan:
    """Returns the plan of a demo lake (all draws from `rng`, the big dispatch's from its own stream).

    `now_us` is the moment the demo is built, on the day `until` (default: the end of that
    day): the last day's dispatch and transactional messages come before it. `dispatches`: how many bulk
    dispatches besides the big one (default: by `messages`, 20-300); `labels`: how many named transactional labels
    (default: the catalogue's four; when given, the busiest day's first transactional messages carry each once,
    so every one is in the lake).
    """
    first_day = _add_months(date(until.year, until.month, 1), -18)
    n_days = (until - first_day).days + 1
    day_dates = [first_day + timedelta(days=i) for i in range(n_days)]
    day_start = np.array([_local_us(tz, d) for d in day_dates + [until + timedelta(days=1)]], dtype=np.int64)
    if now_us is None:
        now_us = int(day_start[-1])
    if not day_start[-2] < now_us <= day_start[-1]:
        raise ValueError("the moment the demo is built must fall on the day `until`")
    start_us = int(day_start[0])

    n_bulk = _n_dispatches(messages) if dispatches is None else dispatches
    bulk_total = int(round(messages * 0.90))
    if not 5 <= n_bulk <= bulk_total // 10:
        raise ValueError(f"dispatches must be from 5 to {bulk_total // 10:,} for {messages:,} messages")
    label_specs = demo_labels(labels)

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
    upper = order[n_bulk // 2 :]
    swap_to = rng.choice(upper, size=3, replace=False)
    for i, j in zip((0, 1, 2), swap_to):
        sizes[[i, j]] = sizes[[j, i]]

    # --- dispatch start times -------------------------------------------------------
    hour_w = np.zeros(24)
    hour_w[8:20] = [0.4, 1.2, 1.4, 1.1, 1.3, 0.9, 0.8, 0.9, 1.2, 1.4, 1.0, 0.5]
    hour_w /= hour_w.sum()
    dispatches: list[Dispatch] = []
    dst_day = _pick_dst_day(first_day, until)
    span_day = _pick_month_end(first_day, until)
    regular_days = rng.choice(n_days, size=n_bulk, p=day_w_regular / day_w_regular.sum())
    for i in range(n_bulk):
        size = int(sizes[i])
        kind = kinds[i]
        if kind == "dst":
            # messages from 40 min before to 80 min after the change (01:00 UTC)
            change = int(datetime(dst_day.year, dst_day.month, dst_day.day, 1, tzinfo=UTC).timestamp()) * US
            start, duration = change - 40 * 60 * US, 2 * HOUR
        elif kind == "month_span":
            start, duration = _local_us(tz, span_day, 22.5 * 3600), 4 * HOUR
        elif kind == "last_day":
            start = _local_us(tz, until, float(rng.uniform(15.0, 17.5)) * 3600)
            duration = int(min(size / rng.uniform(20, 80), 3600) * US)
            # over a few minutes before now (on the day before, when the day has barely begun)
            start = min(start, now_us - duration - 5 * 60 * US)
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
            created = _local_us(
                tz, local_start - timedelta(days=int(rng.integers(1, 8))), float(rng.uniform(8.5, 17.5)) * 3600
            )
        created = max(start_us, min(created, start - 60 * US))
        dispatches.append(Dispatch(start, max(duration, US), size, created, -1, kind))

    # --- the big dispatch (its own random stream: the rest does not change) ---------
    big_rng = Generator(PCG64([seed, 2]))
    if big_dispatch:
        start = _local_us(tz, until - timedelta(days=3), 10 * 3600 + float(big_rng.uniform(0, 1800)))
        duration = int(big_dispatch / 600 * US)  # 600 messages per second
        dispatches.append(Dispatch(start, max(duration, US), int(big_dispatch), start - HOUR, -1, "big"))

    # --- numbers --------------------------------------------------------------------
    max_regular = max(d.size for d in dispatches if d.kind != "big")
    pool_size = max(int(max_regular * 1.3) + 100, 3000)
    parts = [make_numbers(rng, pool_size, bad_share=0.0075, dead_share=0.005)]
    staff = make_numbers(rng, 6, 0.0, 0.0)
    parts.append(staff)
    if big_dispatch:
        parts.append(make_numbers(big_rng, int(big_dispatch), bad_share=0.002, dead_share=0.002))
    numbers = concat_numbers(parts)

    # --- texts, names, entities -------------------------------------------------------
    entities: list[Entity] = []
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
        sender = (
            "KLUBVIP"
            if group in ("Klienci VIP", "Program lojalnościowy – Złoty")
            else (
                "OUTLET"
                if theme.code in ("FLASH", "ZIMA", "LATO") and r.random() < 0.5
                else ("SKLEP.PL" if r.random() < 0.2 else "SKLEP")
            )
        )
        pct = int(r.choice([10, 15, 20, 25, 30, 40, 50, 70]))
        code = f"{theme.code}{pct}"
        link = "https://sms.example/" + "".join(r.choice(list("abcdefghijkmnpqrstuvwxyz23456789"), 5))
        city = CITIES[int(r.integers(len(CITIES)))]
        fields = dict(
            brand=sender,
            pct=pct,
            code=code,
            link=link,
            date=(local_day + timedelta(days=int(r.integers(2, 8)))).strftime("%d.%m"),
            city=city[0],
            street=STREETS[int(r.integers(len(STREETS)))],
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
        entities.append(
            Entity(
                sender,
                provider,
                encoding,
                segments,
                has_link,
                mult,
                human_ctr=float(r.uniform(0.03, 0.12)) if has_link else 0.0,
                bot_rate=float(r.uniform(0.02, 0.05)) if has_link else 0.0,
            )
        )
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
    for _label, _share, sender, provider, text, ctr in label_specs:
        encoding, segments = sms_encoding(text)
        has_link = "https://" in text
        entities.append(
            Entity(
                sender,
                provider,
                encoding,
                segments,
                has_link,
                np.full(10, 0.85),
                human_ctr=ctr if has_link else 0.0,
                bot_rate=0.02 if has_link else 0.0,
            )
        )

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
    if now_us < day_start[-1]:  # the last day only up to now (api_specs places its messages before it)
        api_day_w[-1] *= float(api_hour_cdf((now_us - day_start[-2]) / (day_start[-1] - day_start[-2])))
    # how many per day; their times and labels are drawn month by month (api_specs)
    api_per_day = rng.multinomial(n_api, api_day_w / api_day_w.sum())
    label_day = -1 if labels is None else int(np.argmax(api_per_day))
    if label_day >= 0 and api_per_day[label_day] < len(label_specs):
        raise ValueError(f"{len(label_specs) - 1:,} labels need more messages than {messages:,}")

    # --- UTC months ----------------------------------------------------------------------
    first = datetime.fromtimestamp(start_us / US, UTC)
    last = datetime.fromtimestamp((now_us - 1) / US, UTC)
    month_starts, keys = [], []
    cur = date(first.year, first.month, 1)
    while cur <= date(last.year, last.month, 1):
        month_starts.append(int(datetime(cur.year, cur.month, 1, tzinfo=UTC).timestamp()) * US)
        keys.append(cur.strftime("%Y-%m"))
        cur = _add_months(cur, 1)
    month_starts.append(int(datetime(cur.year, cur.month, 1, tzinfo=UTC).timestamp()) * US)

    return Plan(
        tz=tz,
        first_day=first_day,
        until=until,
        now_us=now_us,
        day_dates=day_dates,
        day_start_us=day_start,
        dispatches=dispatches,
        entities=entities,
        label_entity0=label_entity0,
        numbers=numbers,
        main_pool=pool_size,
        staff=np.arange(pool_size, pool_size + 6),
        tests=tests,
        api_per_day=api_per_day,
        month_starts=month_starts,
        month_keys=keys,
        price_change_us=int(day_start[len(day_start) // 2]),
        labels=label_specs,
        label_day=label_day,
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
        int(chosen[2]): list(ROUTE_DOWN),  # route down at one operator (tables.make_tables: only there)
    }


def _choose_theme(rng: Generator, kind: str, d: date) -> Theme:
    if kind == "big":
        return THEME_BIG
    if kind == "dst":
        return THEME_DST
    if kind == "month_span":
        return THEME_SYLWESTER if d.month == 12 else THEME_EVENING
    if kind == "evening":
        return THEME_EVENING
    fits = [th for th in THEMES if not th.months or d.month in th.months]
    w = np.array([th.weight * (2.0 if th.months else 1.0) for th in fits])
    return fits[int(rng.choice(len(fits), p=w / w.sum()))]


def dispatch_table(plan: Plan) -> pa.Table:
    """Returns the lake's dispatch table (schema.DISPATCHES), in dispatch number order."""
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
            "created_at": timestamps(np.array([d.created_us for d in ds], dtype=np.int64)),
        },
        schema=schema.DISPATCHES,
    )
