"""The transactional exports through the server routes and the command line."""

from __future__ import annotations

import csv
import io

import docx
import pytest

from app import create_app
from tests.conftest import UNTIL
from tests.test_cli import run

FROM, TO = "2026-09-01", UNTIL.isoformat()


@pytest.fixture(scope="module")
def client(config):
    return create_app(config).server.test_client()


def rows_of(data: bytes, sep: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=sep))


def test_table_csv_and_docx_routes(client):
    response = client.get(f"/export/transactional.csv?from={FROM}&to={TO}&lang=pl&source=api&q=kod")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert f"transakcyjne-{FROM}-{TO}.csv" in response.headers["Content-Disposition"]
    rows = rows_of(response.data, ";")
    assert rows[0][0] == "Kampania" and [r[0] for r in rows[1:]] == ["kod-2fa"]
    response = client.get(f"/export/transactional.docx?from={FROM}&to={TO}&lang=en")
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.data))
    assert "Transactional SMS report" in "\n".join(p.text for p in document.paragraphs)
    assert "(no campaign)" in [r.cells[0].text for r in document.tables[-1].rows]


def test_messages_route(client, frames):
    response = client.get(f"/export/transactional-messages.csv?campaign=none&from={FROM}&to={TO}&lang=en&source=test")
    assert response.status_code == 200
    assert f"messages-no-campaign-{FROM}-{TO}.csv" in response.headers["Content-Disposition"]
    rows = rows_of(response.data, ",")
    m = frames["messages"]
    day = m["created_at"].dt.tz_convert("Europe/Warsaw").dt.date
    want = m[
        (m["source"] == "test") & m["campaign_label"].isna() & (day >= UNTIL.replace(month=9, day=1)) & (day <= UNTIL)
    ]
    assert len(rows) - 1 == len(want) > 0 and {r[2] for r in rows[1:]} == {"Test"}


@pytest.mark.parametrize(
    "url,status,needle",
    [
        (f"/export/transactional.csv?from={FROM}&lang=en", 400, "Choose both"),
        (f"/export/transactional.csv?from={TO}&to={FROM}&lang=en", 400, "is after the end date"),
        (f"/export/transactional.csv?from={FROM}&to={TO}&source=bulk&lang=en", 400, "source must be test or api"),
        (f"/export/transactional.pdf?from={FROM}&to={TO}", 404, ""),
        (f"/export/transactional-messages.csv?campaign=kod-2fa&from={FROM}&to={TO}&lang=pl", 400, "nieznana kampania"),
    ],
)
def test_bad_parameters_are_readable(client, url, status, needle):
    response = client.get(url)
    assert response.status_code == status
    assert needle in response.get_data(as_text=True) and "Traceback" not in response.get_data(as_text=True)


def test_cli_export_transactional(demo_dir, tmp_path):
    out = tmp_path / "t.csv"
    result = run(
        [
            "export",
            "transactional",
            "--from",
            FROM,
            "--to",
            TO,
            "--format",
            "csv",
            "--out",
            str(out),
            "--lang",
            "en",
            "--source",
            "api",
        ],
        demo_dir,
    )
    assert result.exit_code == 0, result.stderr
    rows = rows_of(out.read_bytes(), ",")
    assert (
        rows[0][0] == "Campaign"
        and "kod-2fa" in [r[0] for r in rows[1:]]
        and "(no campaign)" in [r[0] for r in rows[1:]]
    )
    out_doc = tmp_path / "t.docx"
    result = run(
        ["export", "transactional", "--from", FROM, "--to", TO, "--format", "docx", "--out", str(out_doc)], demo_dir
    )
    assert result.exit_code == 0, result.stderr
    document = docx.Document(str(out_doc))
    assert (
        "Raport transakcyjny SMS" in "\n".join(p.text for p in document.paragraphs) and len(document.inline_shapes) == 1
    )


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--from", "2026-13-01", "--to", TO, "--format", "csv"], "--from"),
        (["--from", TO, "--to", FROM, "--format", "csv"], "is after --to"),
        (["--from", FROM, "--to", TO, "--format", "pdf"], "--format"),
        (["--from", FROM, "--to", TO, "--format", "csv", "--source", "bulk"], "--source must be test or api"),
        (["--from", FROM, "--to", TO, "--format", "csv", "--lang", "de"], "--lang"),
    ],
)
def test_cli_bad_arguments_exit_non_zero_with_one_line(demo_dir, tmp_path, args, needle):
    out = tmp_path / "out"
    result = run(["export", "transactional", *args, "--out", str(out)], demo_dir)
    assert result.exit_code != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], result.stderr
    assert not out.exists()
