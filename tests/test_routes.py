"""Server routes through Flask's test client: health, readiness, exports, errors."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest

from app import create_app
from config import Config
from tests.conftest import TZ


@pytest.fixture(scope="module")
def client(config):
    return create_app(config).server.test_client()


def test_health_and_ready(client, frames):
    assert client.get("/health").status_code == 200
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json["messages"] == len(frames["messages"])
    assert ready.json["callbacks_set_aside"] == 0


def test_ready_is_503_without_a_lake(tmp_path):
    client = create_app(Config(data_dir=tmp_path, timezone=TZ)).server.test_client()
    response = client.get("/ready")
    assert response.status_code == 503 and response.json["ready"] is False and "lake" in response.json["error"]


def test_vendored_bootstrap_is_served(client):
    assert client.get("/vendor/bootstrap/css/bootstrap.min.css").status_code == 200
    assert client.get("/vendor/bootstrap/css/font/bootstrap-icons.min.css").status_code == 200


def _dispatch_with(frames, status):
    m = frames["messages"]
    dispatch_id = m.loc[(m["status"] == status) & (m["source"] == "bulk"), "dispatch_id"].value_counts().index[0]
    d = frames["dispatches"].set_index("dispatch_id").loc[dispatch_id]
    return int(d["number"]), m[m["dispatch_id"] == dispatch_id]


def test_numbers_csv_of_a_status_group(client, frames):
    number, m = _dispatch_with(frames, "delivered")
    response = client.get(f"/export/numbers.csv?dispatch={number}&status=delivered&lang=pl")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Numer telefonu"]
    want = sorted(m.loc[m["status"] == "delivered", "msisdn"].str.lstrip("+"))
    assert sorted(r[0] for r in rows[1:]) == want


def test_numbers_xml_of_one_reason(client, frames):
    m = frames["messages"]
    row = m[(m["source"] == "bulk") & (m["reason"] == "expired_validity")].iloc[0]
    number = int(frames["dispatches"].set_index("dispatch_id").loc[row["dispatch_id"], "number"])
    response = client.get(f"/export/numbers.xml?dispatch={number}&status=not_delivered&reason=expired_validity")
    root = ET.fromstring(response.data)
    assert root.tag == "numbers" and root.get("dispatch") == str(number) and root.get("reason") == "expired_validity"
    want = m[(m["dispatch_id"] == row["dispatch_id"]) & (m["reason"] == "expired_validity")]["msisdn"].str.lstrip("+")
    assert sorted(e.findtext("msisdn") for e in root.iter("recipient")) == sorted(want)


@pytest.mark.parametrize(
    "url,status,text",
    [
        ("/export/numbers.csv?dispatch=abc&status=delivered", 400, "dispatch"),
        ("/export/numbers.csv?dispatch=1&status=lost", 400, "status"),
        ("/export/numbers.csv?dispatch=1&status=delivered&reason=;drop", 400, "reason"),
        ("/export/numbers.csv?dispatch=999999&status=delivered&lang=en", 404, "999999"),
        ("/export/numbers.pdf?dispatch=1&status=delivered", 404, ""),
        ("/export/dispatches.csv?from=2026-10-05&to=2026-10-01&lang=en", 400, "after the end date"),
        ("/export/dispatches.csv?from=yesterday&to=2026-10-01&lang=en", 400, "Invalid date"),
    ],
)
def test_bad_requests_get_readable_errors(client, url, status, text):
    response = client.get(url)
    assert response.status_code == status
    body = response.data.decode()
    assert text in body and "Traceback" not in body


def test_dispatch_docx_route(client):
    response = client.get("/export/dispatches.docx?from=2026-10-01&to=2026-11-20&lang=en")
    assert response.status_code == 200
    assert response.data[:2] == b"PK"


@pytest.mark.parametrize(
    "url,content_type",
    [
        ("/export/dispatches.csv?from=2026-10-01&to=2026-11-20&lang=pl", "text/csv; charset=utf-8"),
        ("/export/transactional.csv?from=2026-10-01&to=2026-11-20&lang=en", "text/csv; charset=utf-8"),
        ("/export/transactional-messages.csv?campaign=none&from=2026-10-01&to=2026-11-20", "text/csv; charset=utf-8"),
        ("/export/numbers.csv?dispatch={number}&status=delivered", "text/csv; charset=utf-8"),
        ("/export/numbers.xml?dispatch={number}&status=delivered", "application/xml; charset=utf-8"),
        ("/admin/audit.csv?lang=en", "text/csv; charset=utf-8"),
        (
            "/export/dispatches.docx?from=2026-10-01&to=2026-11-20",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_every_download_names_its_type_and_charset_once(client, frames, url, content_type):
    number, _m = _dispatch_with(frames, "delivered")
    response = client.get(url.format(number=number))
    assert response.status_code == 200, response.data[:200]
    assert response.headers["Content-Type"] == content_type
    assert response.headers.get_all("Content-Type") == [content_type]


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=","))


@pytest.mark.parametrize(
    "path", ["/export/dispatches.csv", "/export/transactional.csv", "/export/transactional-messages.csv"]
)
def test_an_export_of_centuries_is_cut_to_the_data_like_all_time(client, frames, path):
    """As the pages cut a custom range: from the first day with data to today (the demo's data ends before it),
    so the file is the "all time" one and no day outside the data is worked through."""
    from data.period import today_in

    first = frames["messages"]["created_at"].dt.tz_convert(TZ).dt.date.min()
    today = today_in(TZ)
    extra = "&campaign=none" if "messages" in path else ""
    wide = client.get(f"{path}?from=1900-01-01&to=2999-12-31&lang=en{extra}")
    assert wide.status_code == 200
    assert f"-{first.isoformat()}-{today.isoformat()}.csv" in wide.headers["Content-Disposition"]
    rows = _csv_rows(wide)  # read before the next request: the body streams
    all_time = client.get(f"{path}?from={first.isoformat()}&to={today.isoformat()}&lang=en{extra}")
    assert len(rows) > 1 and rows == _csv_rows(all_time)


def test_an_export_of_days_without_data_says_what_the_data_covers(client, frames):
    response = client.get("/export/dispatches.csv?from=1900-01-01&to=1999-12-31&lang=en")
    assert response.status_code == 404
    assert "There is no data in the chosen range" in response.get_data(as_text=True)
