"""The lake's table schemas and the status taxonomy (DESIGN.md, "The lake")."""
from __future__ import annotations

from enum import StrEnum

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")


class Status(StrEnum):
    """Normalized message status."""

    PENDING = "pending"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    EXPIRED = "expired"
    REJECTED = "rejected"
    NOT_SENT = "not_sent"
    FAILED = "failed"
    UNKNOWN = "unknown"


class Reason(StrEnum):
    """Normalized reason category for a message that was not delivered."""

    ABSENT_SUBSCRIBER = "absent_subscriber"
    UNKNOWN_SUBSCRIBER = "unknown_subscriber"
    LANDLINE_UNSUPPORTED = "landline_unsupported"
    BARRED_OR_OPTED_OUT = "barred_or_opted_out"
    CARRIER_FILTERED = "carrier_filtered"
    SENDER_COMPLIANCE = "sender_compliance"
    EXPIRED_VALIDITY = "expired_validity"
    NETWORK_ERROR = "network_error"
    ROUTING_ERROR = "routing_error"
    PLATFORM_ERROR = "platform_error"
    INVALID_NUMBER = "invalid_number"
    NO_DLR = "no_dlr"


class StatusGroup(StrEnum):
    """The groups users know from the reports."""

    DELIVERED = "delivered"
    NOT_SENT = "not_sent"
    NOT_DELIVERED = "not_delivered"
    PENDING = "pending"


class Source(StrEnum):
    BULK = "bulk"
    TEST = "test"
    API = "api"


STATUS_GROUP: dict[Status, StatusGroup] = {
    Status.DELIVERED: StatusGroup.DELIVERED,
    Status.NOT_SENT: StatusGroup.NOT_SENT,
    Status.PENDING: StatusGroup.PENDING,
    Status.UNDELIVERED: StatusGroup.NOT_DELIVERED,
    Status.EXPIRED: StatusGroup.NOT_DELIVERED,
    Status.REJECTED: StatusGroup.NOT_DELIVERED,
    Status.FAILED: StatusGroup.NOT_DELIVERED,
    Status.UNKNOWN: StatusGroup.NOT_DELIVERED,
}


def statuses_in(group: StatusGroup) -> list[str]:
    """Returns the normalized statuses that make up a status group."""
    return [s.value for s, g in STATUS_GROUP.items() if g == group]


MESSAGES = pa.schema(
    [
        ("message_id", pa.string()),
        ("provider", pa.string()),
        ("provider_message_id", pa.string()),
        ("source", pa.string()),
        ("dispatch_id", pa.string()),
        ("campaign_label", pa.string()),
        ("sender", pa.string()),
        ("msisdn", pa.string()),
        ("country", pa.string()),
        ("operator", pa.string()),
        ("created_at", TS),
        ("sent_at", TS),
        ("done_at", TS),
        ("status", pa.string()),
        ("reason", pa.string()),
        ("raw_status", pa.string()),
        ("raw_error", pa.string()),
        ("segments", pa.int16()),
        ("encoding", pa.string()),
        ("price", pa.float64()),
        ("currency", pa.string()),
    ]
)

DISPATCHES = pa.schema(
    [
        ("dispatch_id", pa.string()),
        ("number", pa.int64()),
        ("name", pa.string()),
        ("description", pa.string()),
        ("message_text", pa.string()),
        ("recipient_group", pa.string()),
        ("sender", pa.string()),
        ("created_at", TS),
    ]
)

CLICKS = pa.schema(
    [
        ("message_id", pa.string()),
        ("clicked_at", TS),
        ("user_agent", pa.string()),
        ("is_bot", pa.bool_()),
    ]
)
