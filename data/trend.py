"""The trend charts' time buckets: a day, a week (Monday to Sunday) or a month, chosen from the
period's length or by the user, and a daily trend frame summed into them.

The daily frames come from the rollups (`data.queries.sms.period_summary`,
`data.queries.transactional.trx_daily`); a week or a month is the sum of its days, and every
rate is computed again from those sums (never averaged over days).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from choices import Granularity
from data.period import Period

#: The longest period drawn a bar a day (about 3 months), and a bar a week (about a year); beyond, a bar a month.
DAY_MAX_DAYS = 93
WEEK_MAX_DAYS = 371
#: Rate columns and the (numerator, denominator) counts they are computed from.
RATES = {
    "ctr": ("clicked", "delivered"),
    "ctr_raw": ("clicked_raw", "delivered"),
    "delivered_pct": ("delivered", "sent"),
    "prev_ctr": ("prev_clicked", "prev_delivered"),
}
_DAY_COLUMNS = ("day", "prev_day")


def granularity_for(period: Period, chosen: str | None = None) -> Granularity:
    """Returns the granularity the user chose (day, week, month), or for "auto" (and anything unknown) the one
    the period's length calls for: days up to ~3 months, weeks up to ~1 year, months beyond."""
    if chosen in (Granularity.DAY, Granularity.WEEK, Granularity.MONTH):
        return Granularity(chosen)
    if period.days <= DAY_MAX_DAYS:
        return Granularity.DAY
    return Granularity.WEEK if period.days <= WEEK_MAX_DAYS else Granularity.MONTH


def _starts(days: np.ndarray, grain: Granularity) -> np.ndarray:
    """Returns the positions in `days` (datetime64[D], consecutive, ascending) where a new bucket begins."""
    if grain == Granularity.WEEK:
        keys = days - (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday: back to the Monday
    elif grain == Granularity.MONTH:
        keys = days.astype("datetime64[M]")
    else:
        keys = days
    return np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.array([], dtype=np.int64)


def _rate(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num, den = num.astype("float64"), den.astype("float64")
    out = np.full(len(num), np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def bucketed(trend: pd.DataFrame, grain: Granularity) -> pd.DataFrame:
    """Returns a daily trend (one row per day of a period, column `day`, as `period_summary` and `trx_daily`
    return it) summed per bucket of `grain`: one row per bucket, in order.

    Columns: day and end (the bucket's first and last day within the period: the first and
    last buckets may be cut by the period's ends), every count column of `trend` summed,
    the rate columns (RATES) computed from the sums (NaN where the denominator is 0), and
    prev_day / prev_end when `trend` has prev_day (the previous period's days at the same
    offsets, so a bucket's previous counts are those of the same days one period earlier).
    """
    if grain == Granularity.AUTO:
        raise ValueError("bucketed needs a granularity: day, week or month (see granularity_for)")
    days = pd.to_datetime(trend["day"]).to_numpy(dtype="datetime64[D]")
    starts = _starts(days, grain)
    ends = np.append(starts[1:], len(days)) - 1 if len(starts) else starts
    first, last = days[starts].astype(object), days[ends].astype(object)  # datetime.date values
    out: dict[str, object] = {"day": list(first), "end": list(last)}
    if "prev_day" in trend.columns:
        prev = trend["prev_day"].to_numpy(dtype=object)
        out["prev_day"] = list(prev[starts])
        out["prev_end"] = list(prev[ends])
    sums: dict[str, np.ndarray] = {}
    for column in trend.columns:
        if column in _DAY_COLUMNS or column in RATES:
            continue
        values = pd.to_numeric(trend[column], errors="coerce")
        whole = pd.api.types.is_integer_dtype(values.dtype) and not values.isna().any()
        array = values.to_numpy(dtype="int64") if whole else values.to_numpy(dtype="float64", na_value=np.nan)
        sums[column] = np.add.reduceat(array, starts) if len(starts) else array[:0]
    out.update(sums)
    for column, (num, den) in RATES.items():
        if column not in trend.columns:
            continue
        if num in sums and den in sums:
            out[column] = _rate(sums[num], sums[den])
        else:  # the counts it comes from are not in the frame: it cannot be summed
            out[column] = np.full(len(starts), np.nan)
    return pd.DataFrame(
        out,
        columns=[c for c in ("day", "end", "prev_day", "prev_end") if c in out]
        + [c for c in trend.columns if c not in _DAY_COLUMNS],
    )
