"""The download buttons of a report page (CSV and Word), whose links the page's callbacks fill in."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from i18n import t


def export_buttons(lang: str, csv_id: str, doc_id: str) -> list[dbc.Button]:
    """Returns the "CSV" and "DOC" buttons; their `href` is set by the page's callbacks."""
    style = dict(href="#", external_link=True, size="sm", color="secondary", outline=True)
    return [
        dbc.Button(
            [html.I(className="bi bi-filetype-csv me-1"), t(lang, "export.csv")], id=csv_id, className="me-2", **style
        ),
        dbc.Button([html.I(className="bi bi-file-earmark-word me-1"), t(lang, "export.doc")], id=doc_id, **style),
    ]
