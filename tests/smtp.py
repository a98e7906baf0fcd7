"""A real SMTP server in the test process (aiosmtpd): what it receives is kept as parsed messages."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An SMTP server on 127.0.0.1:`port` keeping every message it accepts (`messages`, with `envelopes`:
    (sender, recipients)). `hold` makes it wait before answering a DATA until `release()` (a send cut short),
    having kept the message (`keep_held`) or not (it never arrived)."""

    def __init__(self, port: int | None = None):
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.port = port or free_port()
        self.hold = False
        self.keep_held = True  # False: a held DATA is refused when released (the message never arrived)
        self.holding = threading.Event()  # set while a DATA is held
        self._released = threading.Event()
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        held = self.hold and not self._released.is_set()
        if not held or self.keep_held:  # a held message is kept before the answer (it arrived; the client may die)
            message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
            with self._lock:
                self.messages.append(message)
                self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        if held:
            self.holding.set()
            while not self._released.is_set():
                await _sleep(0.05)
            if not self.keep_held:
                return "554 dropped by the test"
        return "250 OK"

    def release(self) -> None:
        self._released.set()

    def wait_for(self, count: int, timeout_s: float = 30.0) -> list[EmailMessage]:
        """Returns the messages once `count` have arrived (or what arrived by the timeout)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and len(self.messages) < count:
            time.sleep(0.05)
        return list(self.messages)

    def __enter__(self) -> Inbox:
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
        if self._controller._thread is not None:  # a test that took the server down stopped it already
            self._controller.stop()


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)
