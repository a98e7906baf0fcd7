"""`schedules add|list|remove|run-now|run-due`, in this process, with a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from cli import cli as commands
from data.store.audit import AccessAudit
from data.store.schedules import ScheduleStore
from data.store.sqlite import store_path
from data.store.views import ViewStore
from tests.smtp import Inbox


@pytest.fixture
def data_dir(tmp_path, demo_dir):
    (tmp_path / "lake").symlink_to(demo_dir / "lake")
    return tmp_path


@pytest.fixture
def inbox():
    with Inbox() as box:
        yield box


@pytest.fixture
def cli(data_dir, inbox):
    env = {
        "SMSREPORTS_DATA_DIR": str(data_dir),
        "SMSREPORTS_TIMEZONE": "Europe/Warsaw",
        "SMSREPORTS_SMTP_HOST": "127.0.0.1",
        "SMSREPORTS_SMTP_PORT": str(inbox.port),
        "SMSREPORTS_SMTP_SECURITY": "none",
        "SMSREPORTS_SMTP_FROM": "reports@example.com",
    }
    runner = CliRunner()
    return lambda *args: runner.invoke(commands, ["schedules", *map(str, args)], env=env)


ADD = ["add", "--page", "sms", "--format", "csv", "--format", "docx", "--every", "weekly", "--day", "1"]


def test_add_list_run_now_and_remove(cli, inbox, data_dir):
    added = cli(*ADD, "--hour", "7", "--period", "last-week", "--to", "anna@example.com", "--to", "ben@example.org")
    assert added.exit_code == 0, added.output
    schedule_id = int(added.stdout.strip())
    listed = cli("list").stdout.strip().split("\t")
    assert listed[:8] == [
        str(schedule_id),
        "sms",
        "csv+docx",
        "weekly day 1 07:00 Europe/Warsaw",
        "last-week",
        "pl",
        listed[6],
        "anna@example.com, ben@example.org",
    ]
    assert listed[8] == "default view"
    assert listed[9].startswith("next ") and listed[10] == "last -"
    next_due = dt.datetime.strptime(listed[9][5:], "%Y-%m-%d %H:%M")
    assert next_due.isoweekday() == 1 and next_due.hour == 7

    sent = cli("run-now", schedule_id)
    assert sent.exit_code == 0, sent.output
    assert sent.stdout.startswith("sent wysylki-") and "to anna@example.com, ben@example.org" in sent.stdout
    (message,) = inbox.wait_for(1)
    assert sorted(inbox.envelopes[0][1]) == ["anna@example.com", "ben@example.org"]
    assert len(list(message.iter_attachments())) == 2
    log = AccessAudit(store_path(data_dir)).audit(action="schedule.send")
    assert list(log["role"]) == ["cli", "cli"] and set(log["outcome"]) == {"ok"}
    assert "last sent" in cli("list").stdout

    assert cli("remove", schedule_id).stdout.strip() == f"removed {schedule_id}"
    assert cli("list").stdout == ""
    gone = cli("remove", schedule_id)
    assert gone.exit_code == 2 and gone.stderr.strip() == f"error: no schedule {schedule_id}"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--to", "not an address"], "--to: not an e-mail address: 'not an address'"),
        (["--to", "a@b.example\nBcc: x@evil.example"], "--to: not an e-mail address"),
        (["--to", "Anna <anna@example.com>"], "--to: not an e-mail address"),
        (["--to", "anna@localhost"], "--to: not an e-mail address"),
        (["--to", "anna@example.com", "--day", "8"], "a weekly schedule needs a day 1-7 (1 = Monday)"),
        (["--to", "anna@example.com", "--day", "x"], "--day must be a number, not 'x'"),
        (["--to", "anna@example.com", "--hour", "24"], "hour must be 0-23"),
        (["--to", "anna@example.com", "--format", "xml"], "--format must be csv or docx"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli, data_dir, args, message):
    result = cli(*ADD, "--period", "last-week", *args)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ") and message in result.stderr
    assert ScheduleStore(store_path(data_dir)).list() == []


def test_monthly_on_the_last_day_and_run_due(cli, data_dir, inbox):
    added = cli(
        "add", "--page", "transactional", "--format", "csv", "--every", "monthly", "--day", "last",
        "--period", "month-to-date", "--to", "ops@example.com", "--lang", "en",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "monthly day last 08:00" in cli("list").stdout
    assert cli("run-due").stdout.strip() == "nothing due"  # made now: its first due time is to come
    assert inbox.messages == []


def test_run_now_when_the_smtp_server_is_down_says_why(cli, inbox):
    schedule_id = cli(*ADD, "--period", "last-week", "--to", "anna@example.com").stdout.strip()
    inbox.__exit__()
    result = cli("run-now", schedule_id)
    assert result.exit_code == 2 and result.stderr.startswith("error: not sent: ConnectionRefusedError")
    assert "last failed" in cli("list").stdout


def test_a_schedule_sends_a_saved_view_the_user_sees_kept_when_the_view_is_removed(cli, data_dir):
    import getpass

    views = ViewStore(store_path(data_dir))
    mine = views.save(getpass.getuser(), "Jesień", "sms", "?q=jesie%C5%84&per=campaign")
    shared = views.save("zoe-admin", "Wspólny", "sms", "?sort=name", shared=True)
    private = views.save("zoe-admin", "Prywatny", "sms", "?sort=name")
    trx = views.save(getpass.getuser(), "API", "transactional", "?source=api")
    base = [*ADD, "--period", "last-week", "--to", "anna@example.com"]
    for refused in (private, trx):
        result = cli(*base, "--view", refused.id)
        assert result.exit_code == 2 and result.stderr.count("\n") == 1
        assert result.stderr.startswith(f"error: --view: no saved view {refused.id} of the sms page")
    assert ScheduleStore(store_path(data_dir)).list() == []

    first = cli(*base, "--view", mine.id)
    second = cli(*base, "--view", shared.id)
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    views.remove(mine.id)  # what is sent stays what was chosen
    lines = [line.split("\t") for line in cli("list").stdout.strip().splitlines()]
    assert [line[8] for line in lines] == ["view Jesień ?q=jesie%C5%84&per=campaign", "view Wspólny ?sort=name"]
    stored = ScheduleStore(store_path(data_dir)).list()
    assert [(s.view_name, s.view_query) for s in stored] == [
        ("Jesień", "?q=jesie%C5%84&per=campaign"),
        ("Wspólny", "?sort=name"),
    ]
