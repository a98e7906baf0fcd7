"""The fixed sets of values every layer shares (data/, layouts/, callbacks/): period presets, trend granularity,
roles and the access log's fields.

Value types only, no behaviour: `layouts/` can name them without reaching into `data/`.
"""

from __future__ import annotations

from enum import StrEnum


class Preset(StrEnum):
    """The period presets of both pages' period control."""

    M1 = "1m"
    M2 = "2m"
    M3 = "3m"
    M6 = "6m"
    M12 = "12m"
    ALL = "all"
    CUSTOM = "custom"


class Granularity(StrEnum):
    """What one bar of a trend chart covers; AUTO: chosen from the period's length (data/trend.py)."""

    AUTO = "auto"
    DAY = "day"
    WEEK = "week"  # Monday to Sunday
    MONTH = "month"


ROLES = ("viewer", "analyst", "admin")  # each role can do everything the ones before it can

# The access log's fields in their stored order (data/store/audit.py); /admin shows those from "at" to "detail".
AUDIT_FIELDS = (
    "id",
    "at",
    "who",
    "role",
    "address",
    "action",
    "outcome",
    "target",
    "filter",
    "rows",
    "format",
    "bytes",
    "sha256",
    "detail",
    "ref",
    "hash",
)
