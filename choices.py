"""The fixed sets of values every layer shares (data/, layouts/, callbacks/): period presets and roles.

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


ROLES = ("viewer", "analyst", "admin")  # each role can do everything the ones before it can
