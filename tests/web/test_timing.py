"""The benchmark's CPU figure (web/timing.py): each answer of a server started with SMSREPORTS_CPU_TIMING=on says
the CPU time the process spent on it, every thread's, and a server started without it says nothing."""

from __future__ import annotations

import re
import threading
import time

from flask import Flask

from app import create_app
from config import Config
from web import timing


def cpu_ms(answer) -> float:
    found = re.fullmatch(r"cpu;dur=([0-9.]+)", answer.headers.get("Server-Timing", ""))
    assert found, answer.headers.get("Server-Timing")
    return float(found.group(1))


def spin(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_the_cpu_of_every_thread_of_the_answer_is_counted():
    server = Flask(__name__)
    timing.install(server)

    @server.get("/work")
    def work():
        helper = threading.Thread(target=spin, args=(0.06,))  # as DuckDB's and the query pools' threads work
        helper.start()
        helper.join()
        return "done"

    @server.get("/idle")
    def idle():
        time.sleep(0.06)  # waiting costs no CPU
        return "done"

    client = server.test_client()
    assert cpu_ms(client.get("/work")) >= 55
    assert cpu_ms(client.get("/idle")) < 30


def test_only_a_timed_server_says_it(config):
    assert "Server-Timing" not in create_app(config).server.test_client().get("/_dash-layout").headers
    timed = create_app(config.with_(cpu_timing=True)).server.test_client()
    assert cpu_ms(timed.get("/_dash-layout")) > 0


def test_the_setting_comes_from_the_environment():
    assert Config.from_env({"SMSREPORTS_CPU_TIMING": "on"}).cpu_timing
    assert not Config.from_env({}).cpu_timing
