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


TRX_SOURCES = (Source.TEST.value, Source.API.value)  # the transactional page's sources


def check_source(source: str | None) -> str | None:
    """Returns a transactional source filter ('test', 'api', or None for both); ValueError for anything else."""
    if source in (None, "", "all"):
        return None
    if source not in TRX_SOURCES:
        raise ValueError(source)
    return source


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
        ("user_agent", pa.string()),  # NULL: not known (the source gives none); '': the client sent an empty one
        ("is_bot", pa.bool_()),  # data/clicks.py when imported; `clicks reclassify` applies a newer rule
    ]
)


INBOUND = pa.schema(  # replies from recipients (data/optouts.py)
    [
        ("inbound_id", pa.string()),  # "provider:provider's id", or "h:" and a hash of number, time and text
        ("provider", pa.string()),
        ("provider_message_id", pa.string()),
        ("msisdn", pa.string()),  # who replied (E.164)
        ("recipient", pa.string()),  # the number or sender name the reply was sent to
        ("text", pa.string()),
        ("keyword", pa.string()),  # the opt-out keyword the text is (data/optouts.py), NULL: no opt-out
        ("received_at", TS),
    ]
)

# --------------------------------------------------------------------------- #
# Provider codes -> taxonomy (DESIGN.md, "Status taxonomy")
#
# One table per provider vocabulary: what its raw status value means (STATUS) and,
# for failures, what its error code says about the reason (ERROR). `classify` reads
# them: a delivered or pending status never takes an error's reason; for the
# generic failures (undelivered, rejected, failed) a known error code decides both
# the status and the reason; otherwise the status table does. A status value that no
# table knows is `unknown` (reason None) and the ingest counts it; the raw values are
# always kept in raw_status / raw_error, so a table can be fixed and the lake rebuilt.
# Lookups ignore case and surrounding blanks.
# --------------------------------------------------------------------------- #

Outcome = tuple[Status, Reason | None]

_S, _R = Status, Reason

# ---- SMPP delivery receipts (smpp-dlr) ------------------------------------------
# SMPP v3.4 (Issue 1.2), Appendix B "Delivery Receipt Format" (stat:, err:) and
# §5.2.28 message_state (DELIVRD, EXPIRED, DELETED, UNDELIV, ACCEPTD, UNKNOWN, REJECTD;
# ENROUTE is the state's name for a message still on its way). Kannel's and Jasmin's
# docs show the same receipt text ("id:... sub:... dlvrd:... submit date:... done
# date:... stat:... err:... text:...").
SMPP_STATUS: dict[str, Outcome] = {
    "DELIVRD": (_S.DELIVERED, None),
    "ENROUTE": (_S.PENDING, None),
    # The spec calls ACCEPTD final ("accepted on behalf of the subscriber"); SMSCs and
    # aggregators (Jasmin, SMSAPI, Infobip SMPP) send it as "accepted by the operator,
    # a final receipt follows", which is how it is read here.
    "ACCEPTD": (_S.PENDING, None),
    "UNDELIV": (_S.UNDELIVERED, None),
    "EXPIRED": (_S.EXPIRED, _R.EXPIRED_VALIDITY),
    "DELETED": (_S.FAILED, _R.PLATFORM_ERROR),
    "REJECTD": (_S.REJECTED, None),
    "UNKNOWN": (_S.UNKNOWN, _R.NO_DLR),
}
# Spellings some SMSCs use instead of the 7-letter states.
SMPP_STATUS_ALIASES: dict[str, str] = {
    "DELIVERED": "DELIVRD",
    "DELIVRED": "DELIVRD",
    "DELIVER": "DELIVRD",
    "DELIVRY": "DELIVRD",
    "UNDELIVERED": "UNDELIV",
    "UNDELIVERABLE": "UNDELIV",
    "UNDELIVRD": "UNDELIV",
    "REJECTED": "REJECTD",
    "REJECT": "REJECTD",
    "ACCEPTED": "ACCEPTD",
    "EXPIRD": "EXPIRED",
    "DELETE": "DELETED",
    "EN_ROUTE": "ENROUTE",
    "UNKNWN": "UNKNOWN",
}
# err: is "network specific" (Appendix B). In practice SMSCs put there the GSM MAP
# error of the failed delivery (3GPP TS 29.002 §17.6, decimal, 3 digits) or an SMPP
# command_status (§5.1.3, hex). A code is looked up as written (3 upper-case
# characters, "0x" dropped: "27" -> "027", "00b" -> "00B"); when that is not in the
# table and it reads as a hex number, as that number in decimal ("0x1B" -> "027").
SMPP_ERROR: dict[str, Outcome] = {
    # 3GPP TS 29.002 MAP errors
    "001": (_S.UNDELIVERED, _R.UNKNOWN_SUBSCRIBER),  # unknownSubscriber
    "005": (_S.UNDELIVERED, _R.UNKNOWN_SUBSCRIBER),  # unidentifiedSubscriber
    "006": (_S.UNDELIVERED, _R.ABSENT_SUBSCRIBER),  # absentSubscriberSM
    "009": (_S.REJECTED, _R.BARRED_OR_OPTED_OUT),  # illegalSubscriber
    "011": (_S.UNDELIVERED, _R.LANDLINE_UNSUPPORTED),  # teleserviceNotProvisioned (no SMS on the line)
    "012": (_S.REJECTED, _R.BARRED_OR_OPTED_OUT),  # illegalEquipment
    "013": (_S.REJECTED, _R.BARRED_OR_OPTED_OUT),  # callBarred
    "021": (_S.FAILED, _R.ROUTING_ERROR),  # facilityNotSupported
    "027": (_S.UNDELIVERED, _R.ABSENT_SUBSCRIBER),  # absentSubscriber
    "031": (_S.UNDELIVERED, _R.ABSENT_SUBSCRIBER),  # subscriberBusyForMT-SMS
    "032": (_S.FAILED, _R.NETWORK_ERROR),  # sm-DeliveryFailure
    "033": (_S.UNDELIVERED, _R.ABSENT_SUBSCRIBER),  # messageWaitingListFull
    "034": (_S.FAILED, _R.NETWORK_ERROR),  # systemFailure
    "035": (_S.FAILED, _R.NETWORK_ERROR),  # dataMissing
    "036": (_S.FAILED, _R.NETWORK_ERROR),  # unexpectedDataValue
    # SMPP v3.4 §5.1.3 command_status values, as hex
    "008": (_S.FAILED, _R.PLATFORM_ERROR),  # ESME_RSYSERR system error
    "00A": (_S.REJECTED, _R.SENDER_COMPLIANCE),  # ESME_RINVSRCADR invalid source address
    "00B": (_S.NOT_SENT, _R.INVALID_NUMBER),  # ESME_RINVDSTADR invalid destination address
    "058": (_S.FAILED, _R.PLATFORM_ERROR),  # ESME_RTHROTTLED
    # Gateway-specific codes of the SMSAPI-style gateway behind this project's demo
    # data (data/demo/catalogue.py RAW_CODES): not standard, listed so the demo's raw codes
    # classify as the demo classified them.
    "069": (_S.REJECTED, _R.CARRIER_FILTERED),  # content rejected by the operator's filter
    "088": (_S.REJECTED, _R.SENDER_COMPLIANCE),  # sender name not registered
}

# ---- Twilio ------------------------------------------------------------------
# Message status values: https://www.twilio.com/docs/messaging/api/message-resource#message-status-values
# Error codes: https://www.twilio.com/docs/api/errors (30001-30034, 21xxx).
TWILIO_STATUS: dict[str, Outcome] = {
    "queued": (_S.PENDING, None),
    "accepted": (_S.PENDING, None),
    "scheduled": (_S.PENDING, None),
    "sending": (_S.PENDING, None),
    # "sent": the carrier took it; a delivery receipt may still come (some carriers
    # never send one, so a message can stay "sent").
    "sent": (_S.PENDING, None),
    "delivered": (_S.DELIVERED, None),
    "read": (_S.DELIVERED, None),  # WhatsApp / RCS read receipt: delivered
    "undelivered": (_S.UNDELIVERED, None),
    "failed": (_S.FAILED, None),
    "canceled": (_S.NOT_SENT, None),  # a scheduled message cancelled before sending
}
TWILIO_ERROR: dict[str, Outcome] = {
    "30001": (_S.EXPIRED, _R.EXPIRED_VALIDITY),  # Queue overflow: not sent within the validity period
    "30002": (_S.FAILED, _R.PLATFORM_ERROR),  # Account suspended
    "30003": (_S.UNDELIVERED, _R.ABSENT_SUBSCRIBER),  # Unreachable destination handset
    "30004": (_S.REJECTED, _R.BARRED_OR_OPTED_OUT),  # Message blocked
    "30005": (_S.UNDELIVERED, _R.UNKNOWN_SUBSCRIBER),  # Unknown destination handset
    "30006": (_S.UNDELIVERED, _R.LANDLINE_UNSUPPORTED),  # Landline or unreachable carrier
    "30007": (_S.REJECTED, _R.CARRIER_FILTERED),  # Message filtered (carrier violation)
    "30008": (_S.FAILED, _R.NETWORK_ERROR),  # Unknown error
    "30009": (_S.FAILED, _R.NETWORK_ERROR),  # Missing inbound segment
    "30010": (_S.FAILED, _R.PLATFORM_ERROR),  # Message price exceeds max price
    "30022": (_S.FAILED, _R.PLATFORM_ERROR),  # US A2P 10DLC - rate limits exceeded
    "30023": (_S.FAILED, _R.PLATFORM_ERROR),  # US A2P 10DLC - daily cap reached
    "30024": (_S.REJECTED, _R.SENDER_COMPLIANCE),  # Numeric sender ID not provisioned on carrier
    "30032": (_S.REJECTED, _R.SENDER_COMPLIANCE),  # Toll-free number has not been verified
    "30034": (_S.REJECTED, _R.SENDER_COMPLIANCE),  # US A2P 10DLC - message from an unregistered number
    "21211": (_S.NOT_SENT, _R.INVALID_NUMBER),  # Invalid 'To' phone number
    "21614": (_S.NOT_SENT, _R.INVALID_NUMBER),  # 'To' number is not a valid mobile number
    "21408": (_S.FAILED, _R.ROUTING_ERROR),  # Permission to send an SMS has not been enabled for the region
    "21612": (_S.FAILED, _R.ROUTING_ERROR),  # 'To' number is not currently reachable via SMS
    "21606": (_S.REJECTED, _R.SENDER_COMPLIANCE),  # 'From' number is not a valid, SMS-capable number
    "21610": (_S.REJECTED, _R.BARRED_OR_OPTED_OUT),  # Attempt to send to unsubscribed recipient (STOP)
}

# ---- Infobip -----------------------------------------------------------------
# Status and error codes: https://www.infobip.com/docs/essentials/api-essentials/response-status-and-error-codes
# Status objects {groupId, groupName, id, name}; errors {groupId, groupName, id, name,
# permanent}. Looked up by name; a report that gives only the groupName is read by its
# group (INFOBIP_GROUP). A name not listed here is `unknown`, and counted as such.
INFOBIP_STATUS: dict[str, Outcome] = {
    "PENDING_WAITING_DELIVERY": (_S.PENDING, None),  # 3
    "PENDING_ENROUTE": (_S.PENDING, None),  # 7
    "PENDING_ACCEPTED": (_S.PENDING, None),  # 26
    "DELIVERED_TO_OPERATOR": (_S.PENDING, None),  # 2: intermediate, a handset receipt may follow
    "DELIVERED_TO_HANDSET": (_S.DELIVERED, None),  # 5
    "UNDELIVERABLE_REJECTED_OPERATOR": (_S.REJECTED, _R.CARRIER_FILTERED),  # 4
    "UNDELIVERABLE_NOT_DELIVERED": (_S.UNDELIVERED, None),  # 9
    "UNDELIVERABLE_NOT_SENT": (_S.FAILED, _R.PLATFORM_ERROR),  # 31
    "UNDELIVERABLE_REJECTED_PLATFORM": (_S.FAILED, _R.PLATFORM_ERROR),  # 100
    "EXPIRED_EXPIRED": (_S.EXPIRED, _R.EXPIRED_VALIDITY),  # 15
    "EXPIRED_DLR_UNKNOWN": (_S.UNKNOWN, _R.NO_DLR),  # 29
    "SIGNALS_BLOCKED": (_S.REJECTED, _R.CARRIER_FILTERED),  # 87 (anti-fraud)
    "REJECTED_NETWORK": (_S.REJECTED, _R.ROUTING_ERROR),  # 6
    "REJECTED_PREFIX_MISSING": (_S.NOT_SENT, _R.INVALID_NUMBER),  # 8
    "REJECTED_DND": (_S.REJECTED, _R.BARRED_OR_OPTED_OUT),  # 10
    "REJECTED_SOURCE": (_S.REJECTED, _R.SENDER_COMPLIANCE),  # 11
    "REJECTED_NOT_ENOUGH_CREDITS": (_S.FAILED, _R.PLATFORM_ERROR),  # 12
    "REJECTED_SENDER": (_S.REJECTED, _R.SENDER_COMPLIANCE),  # 13
    "REJECTED_DESTINATION_BLOCKLISTED": (_S.REJECTED, _R.BARRED_OR_OPTED_OUT),  # 14
    "REJECTED_DESTINATION_BLACKLISTED": (_S.REJECTED, _R.BARRED_OR_OPTED_OUT),  # 14, older name
    "REJECTED_PREPAID_PACKAGE_EXPIRED": (_S.FAILED, _R.PLATFORM_ERROR),  # 17
    "REJECTED_DESTINATION_NOT_REGISTERED": (_S.FAILED, _R.PLATFORM_ERROR),  # 18 (test account)
    "REJECTED_ROUTE_NOT_AVAILABLE": (_S.FAILED, _R.ROUTING_ERROR),  # 19
    "REJECTED_FLOODING_FILTER": (_S.REJECTED, _R.CARRIER_FILTERED),  # 20
    "REJECTED_SYSTEM_ERROR": (_S.FAILED, _R.PLATFORM_ERROR),  # 21
    "REJECTED_DUPLICATE_MESSAGE_ID": (_S.FAILED, _R.PLATFORM_ERROR),  # 23
    "REJECTED_INVALID_UDH": (_S.FAILED, _R.PLATFORM_ERROR),  # 24
    "REJECTED_MESSAGE_TOO_LONG": (_S.FAILED, _R.PLATFORM_ERROR),  # 25
    "MISSING_TO": (_S.NOT_SENT, _R.INVALID_NUMBER),  # 51
    "REJECTED_DESTINATION": (_S.NOT_SENT, _R.INVALID_NUMBER),  # 52
}
INFOBIP_GROUP: dict[str, Outcome] = {  # groupName (groupId 1-5)
    "PENDING": (_S.PENDING, None),
    "UNDELIVERABLE": (_S.UNDELIVERED, None),
    "DELIVERED": (_S.DELIVERED, None),
    "EXPIRED": (_S.EXPIRED, _R.EXPIRED_VALIDITY),
    "REJECTED": (_S.REJECTED, None),
}
INFOBIP_ERROR: dict[str, Outcome] = {
    "EC_UNKNOWN_SUBSCRIBER": (_S.UNDELIVERED, _R.UNKNOWN_SUBSCRIBER),  # 1
    "EC_UNIDENTIFIED_SUBSCRIBER": (_S.UNDELIVERED, _R.UNKNOWN_SUBSCRIBER),  # 5
    "EC_DEACTIVATED_LIST": (_S.UNDELIVERED, _R.UNKNOWN_SUBSCRIBER),  # 3041
    "EC_ABSENT_SUBSCRIBER_SM": (_S.UNDELIVERED, _R.ABSENT_SUBSCRIBER),  # 6
    "EC_ABSENT_SUBSCRIBER": (_S.UNDELIVERED, _R.ABSENT_SUBSCRIBER),  # 27
    "EC_SUBSCRIBER_BUSY_FOR_MT_SMS": (_S.UNDELIVERED, _R.ABSENT_SUBSCRIBER),  # 31
    "EC_MESSAGE_WAITING_LIST_FULL": (_S.UNDELIVERED, _R.ABSENT_SUBSCRIBER),  # 33
    "EC_SM_DF_MEMORYCAPACITYEXCEEDED": (_S.UNDELIVERED, _R.ABSENT_SUBSCRIBER),  # 256
    "EC_USER_OUT_OF_CREDIT": (_S.UNDELIVERED, _R.ABSENT_SUBSCRIBER),  # 581
    "EC_ILLEGAL_SUBSCRIBER": (_S.REJECTED, _R.BARRED_OR_OPTED_OUT),  # 9
    "EC_ILLEGAL_EQUIPMENT": (_S.REJECTED, _R.BARRED_OR_OPTED_OUT),  # 12
    "EC_CALL_BARRED": (_S.REJECTED, _R.BARRED_OR_OPTED_OUT),  # 13
    "EC_SC_BLOCKED_BY_END_USER": (_S.REJECTED, _R.BARRED_OR_OPTED_OUT),  # 573
    "EC_CONTENT_BLOCKED": (_S.REJECTED, _R.BARRED_OR_OPTED_OUT),  # 603 (opt-out, STOP)
    "EC_IMSI_BLACKLISTED": (_S.REJECTED, _R.BARRED_OR_OPTED_OUT),  # 2049
    "EC_BLACKLISTED_DESTINATIONADDRESS": (_S.REJECTED, _R.BARRED_OR_OPTED_OUT),  # 2052
    "EC_TELESERVICE_NOT_PROVISIONED": (_S.UNDELIVERED, _R.LANDLINE_UNSUPPORTED),  # 11
    "EC_DEST_ADDRESS_UNABLE_TO_RECEIVE_SMS": (_S.UNDELIVERED, _R.LANDLINE_UNSUPPORTED),  # 629
    "EC_SM_DF_EQUIPMENTNOTSM_EQUIPPED": (_S.UNDELIVERED, _R.LANDLINE_UNSUPPORTED),  # 258
    "EC_FACILITY_NOT_SUPPORTED": (_S.FAILED, _R.ROUTING_ERROR),  # 21
    "EC_ROAMING_NOT_ALLOWED": (_S.FAILED, _R.ROUTING_ERROR),  # 8
    "EC_SM_DELIVERY_FAILURE": (_S.FAILED, _R.NETWORK_ERROR),  # 32
    "EC_SYSTEM_FAILURE": (_S.FAILED, _R.NETWORK_ERROR),  # 34
    "EC_DATA_MISSING": (_S.FAILED, _R.NETWORK_ERROR),  # 35
    "EC_UNEXPECTED_DATA_VALUE": (_S.FAILED, _R.NETWORK_ERROR),  # 36
    "EC_PROVIDER_GENERAL_ERROR": (_S.FAILED, _R.NETWORK_ERROR),  # 500
    "EC_NO_RESPONSE": (_S.FAILED, _R.NETWORK_ERROR),  # 502
    "EC_INVALID_DESTINATION_ADDRESS": (_S.NOT_SENT, _R.INVALID_NUMBER),  # 351
    "EC_INVALID_REQUEST_DESTINATION": (_S.NOT_SENT, _R.INVALID_NUMBER),  # 352
    "EC_INVALID_SOURCE_ADDRESS": (_S.REJECTED, _R.SENDER_COMPLIANCE),  # 368
    "EC_BLACKLISTED_SENDERADDRESS": (_S.REJECTED, _R.SENDER_COMPLIANCE),  # 2053
    "EC_CAMPAIGNID_NOT_PROVISIONED": (_S.REJECTED, _R.SENDER_COMPLIANCE),  # 572
    "EC_REJECTED_SPAM_BY_OPERATOR": (_S.REJECTED, _R.CARRIER_FILTERED),  # 607
    "EC_SIGNALS_BLOCKED": (_S.REJECTED, _R.CARRIER_FILTERED),  # 608
    "EC_BLOCKED_BY_CAMPAIGN_BLACKLIST": (_S.REJECTED, _R.CARRIER_FILTERED),  # 604
    "EC_DESTINATION_FLOODING": (_S.REJECTED, _R.CARRIER_FILTERED),  # 4103
    "EC_DESTINATION_TXT_FLOODING": (_S.REJECTED, _R.CARRIER_FILTERED),  # 4104
    "EC_VALIDITY_EXPIRED": (_S.EXPIRED, _R.EXPIRED_VALIDITY),  # 4101
    "EC_MESSAGE_CANCELED": (_S.EXPIRED, _R.EXPIRED_VALIDITY),  # 4100 (not sent within validity)
    "EC_LIMIT_REACHED": (_S.FAILED, _R.PLATFORM_ERROR),  # 541
    "EC_QUOTA_REACHED": (_S.FAILED, _R.PLATFORM_ERROR),  # 542
    "EC_MONTHLY_LIMIT_REACHED": (_S.FAILED, _R.PLATFORM_ERROR),  # 4099
    # Names found in this project's demo data (data/demo/catalogue.py RAW_CODES), not in
    # Infobip's current list: kept so the demo's raw codes classify as it did.
    "EC_MESSAGE_FILTERED": (_S.REJECTED, _R.CARRIER_FILTERED),
    "EC_SENDER_NOT_REGISTERED": (_S.REJECTED, _R.SENDER_COMPLIANCE),
    "EC_INTERNAL_ERROR": (_S.FAILED, _R.PLATFORM_ERROR),
    "EC_NO_ROUTE": (_S.FAILED, _R.ROUTING_ERROR),
}

# ---- SMSAPI.pl ---------------------------------------------------------------
# https://www.smsapi.pl/docs, "Raporty Callback" and "Lista statusów doręczenia":
# callback status codes 401-412 with their names.
SMSAPI_STATUS: dict[str, Outcome] = {
    "401": (_S.UNKNOWN, _R.NO_DLR),  # NOT_FOUND: wrong id or the report has expired
    "402": (_S.EXPIRED, _R.EXPIRED_VALIDITY),  # EXPIRED
    "403": (_S.PENDING, None),  # SENT: sent, no final report yet
    "404": (_S.DELIVERED, None),  # DELIVERED
    "405": (_S.UNDELIVERED, None),  # UNDELIVERED
    "406": (_S.FAILED, _R.PLATFORM_ERROR),  # FAILED: sending failed
    "407": (_S.REJECTED, None),  # REJECTED
    "408": (_S.UNKNOWN, _R.NO_DLR),  # UNKNOWN: no report from the network
    "409": (_S.PENDING, None),  # QUEUE: waiting to be sent
    "410": (_S.PENDING, None),  # ACCEPTED: accepted by the operator
    "411": (_S.PENDING, None),  # RENEWAL: sending retried
    "412": (_S.NOT_SENT, None),  # STOP: sending stopped by the user
}
SMSAPI_STATUS_NAMES: dict[str, str] = {
    "NOT_FOUND": "401",
    "EXPIRED": "402",
    "SENT": "403",
    "DELIVERED": "404",
    "UNDELIVERED": "405",
    "FAILED": "406",
    "REJECTED": "407",
    "UNKNOWN": "408",
    "QUEUE": "409",
    "ACCEPTED": "410",
    "RENEWAL": "411",
    "STOP": "412",
}
SMSAPI_ERROR: dict[str, Outcome] = {  # "Kody błędów" that reach reports
    "13": (_S.NOT_SENT, _R.INVALID_NUMBER),  # no valid phone number (wrong or landline)
    "14": (_S.REJECTED, _R.SENDER_COMPLIANCE),  # invalid sender name
}

# ---- Vonage (Nexmo) SMS API delivery receipts --------------------------------
# https://developer.vonage.com/en/messaging/sms/guides/delivery-receipts
# ("DLR status" values and "DLR error codes").
VONAGE_STATUS: dict[str, Outcome] = {
    "delivered": (_S.DELIVERED, None),
    "accepted": (_S.PENDING, None),
    "buffered": (_S.PENDING, None),
    "expired": (_S.EXPIRED, _R.EXPIRED_VALIDITY),
    "failed": (_S.FAILED, None),
    "rejected": (_S.REJECTED, None),
    "unknown": (_S.UNKNOWN, _R.NO_DLR),
    # Messages API status webhooks (https://developer.vonage.com/en/messages/concepts/messages-status-callbacks)
    "submitted": (_S.PENDING, None),
    "undeliverable": (_S.UNDELIVERED, None),
    "read": (_S.DELIVERED, None),
}
VONAGE_ERROR: dict[str, Outcome] = {
    "2": (_S.UNDELIVERED, _R.ABSENT_SUBSCRIBER),  # Absent Subscriber - Temporary
    "3": (_S.UNDELIVERED, _R.UNKNOWN_SUBSCRIBER),  # Absent Subscriber - Permanent
    "4": (_S.REJECTED, _R.BARRED_OR_OPTED_OUT),  # Call Barred by User
    "5": (_S.FAILED, _R.ROUTING_ERROR),  # Portability Error
    "6": (_S.REJECTED, _R.CARRIER_FILTERED),  # Anti-Spam Rejection
    "7": (_S.UNDELIVERED, _R.ABSENT_SUBSCRIBER),  # Handset Busy
    "8": (_S.FAILED, _R.NETWORK_ERROR),  # Network Error
    "9": (_S.NOT_SENT, _R.INVALID_NUMBER),  # Illegal Number
    "10": (_S.REJECTED, _R.CARRIER_FILTERED),  # Illegal Message
    "11": (_S.FAILED, _R.ROUTING_ERROR),  # Unroutable
    "12": (_S.FAILED, _R.ROUTING_ERROR),  # Destination Unreachable
    "13": (_S.REJECTED, _R.BARRED_OR_OPTED_OUT),  # Subscriber Age Restriction
    "14": (_S.REJECTED, _R.BARRED_OR_OPTED_OUT),  # Number Blocked by Carrier
    "15": (_S.UNDELIVERED, _R.ABSENT_SUBSCRIBER),  # Pre-Paid - Insufficient funds
    "16": (_S.FAILED, _R.PLATFORM_ERROR),  # Gateway Quota Exceeded
    "50": (_S.REJECTED, _R.SENDER_COMPLIANCE),  # Entity Filter (India DLT)
    "51": (_S.REJECTED, _R.SENDER_COMPLIANCE),  # Header Filter (India DLT)
    "52": (_S.REJECTED, _R.CARRIER_FILTERED),  # Content Filter
    "53": (_S.REJECTED, _R.BARRED_OR_OPTED_OUT),  # Consent Filter
    "54": (_S.REJECTED, _R.SENDER_COMPLIANCE),  # Regulation Error
    "99": (_S.FAILED, _R.PLATFORM_ERROR),  # General Error
}

VOCABULARIES = ("smpp", "twilio", "infobip", "smsapi", "vonage")
_NEGATIVE = frozenset({Status.UNDELIVERED, Status.REJECTED, Status.FAILED})


def normalise_smpp_error(raw: str | None) -> str | None:
    """Returns an SMPP err: value as 3 upper-case characters ("27" -> "027", "0x0b" -> "00B")."""
    if raw is None:
        return None
    text = raw.strip().upper()
    if text.startswith("0X"):
        text = text[2:]
    if not text:
        return None
    return text.rjust(3, "0") if len(text) < 3 else text


def _lookup_status(vocabulary: str, raw: str) -> Outcome | None:
    key = raw.strip()
    if vocabulary == "smpp":
        key = key.upper()
        return SMPP_STATUS.get(SMPP_STATUS_ALIASES.get(key, key))
    if vocabulary == "twilio":
        return TWILIO_STATUS.get(key.lower())
    if vocabulary == "infobip":
        key = key.upper()
        return INFOBIP_STATUS.get(key) or INFOBIP_GROUP.get(key)
    if vocabulary == "smsapi":
        key = key.upper()
        return SMSAPI_STATUS.get(SMSAPI_STATUS_NAMES.get(key, key))
    if vocabulary == "vonage":
        return VONAGE_STATUS.get(key.lower())
    raise ValueError(f"unknown code vocabulary {vocabulary!r}")


def _lookup_error(vocabulary: str, raw: str) -> Outcome | None:
    key = raw.strip()
    if vocabulary == "smpp":
        # as written first ("00B", "027"); else a hex number ("0x1B", "1b") read as the decimal code ("027")
        code = normalise_smpp_error(key) or ""
        found = SMPP_ERROR.get(code)
        if found is None and code and all(c in "0123456789ABCDEF" for c in code):
            found = SMPP_ERROR.get(f"{int(code, 16):03d}")
        return found
    if vocabulary == "twilio":
        return TWILIO_ERROR.get(key)
    if vocabulary == "infobip":
        return INFOBIP_ERROR.get(key.upper())
    if vocabulary == "smsapi":
        return SMSAPI_ERROR.get(key.lstrip("0") or "0")
    if vocabulary == "vonage":
        return VONAGE_ERROR.get(key.lstrip("0") or "0")
    raise ValueError(f"unknown code vocabulary {vocabulary!r}")


def classify(
    vocabulary: str, raw_status: str | None, raw_error: str | None = None
) -> tuple[Status, Reason | None, bool]:
    """Returns (status, reason, known) for a provider's raw status and error code.

    `known` is False when the table does not know the status value: the message is
    then `unknown` with no reason (the raw values stay in the lake).
    """
    base = _lookup_status(vocabulary, raw_status) if raw_status and raw_status.strip() else None
    if base is None:
        return Status.UNKNOWN, None, False
    status, reason = base
    if status in _NEGATIVE and raw_error and raw_error.strip():
        found = _lookup_error(vocabulary, raw_error)
        if found is not None:
            status, reason = found
    return status, reason, True


def is_final(status: str) -> bool:
    """Returns True for a status that ends a message's life (everything but pending)."""
    return status != Status.PENDING
