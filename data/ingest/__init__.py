"""Importing delivery logs of SMS providers into the lake (DESIGN.md, "The lake").

One module per input format (canonical, smpp_dlr, twilio, infobip, smsapi, vonage,
clicks), all producing records that `core.normalise` turns into rows of
`schema.MESSAGES`; `merge` folds them into the lake; `run.ingest` does a whole
import in one lake transaction. See README, "Importing logs".
"""

from data.ingest.core import Issue, Options
from data.ingest.formats import NAMES as FORMAT_NAMES
from data.ingest.formats import check_format, detect
from data.ingest.run import IngestError, Summary, ingest

__all__ = ["FORMAT_NAMES", "IngestError", "Issue", "Options", "Summary", "check_format", "detect", "ingest"]
