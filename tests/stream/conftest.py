"""Fixtures of the alert tests: a real SMTP server on loopback (aiosmtpd) for email targets."""

from __future__ import annotations

import email
from collections.abc import Iterator
from email.message import Message

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import free_port


class SmtpReceiver:
    """Keeps every message it is handed (aiosmtpd handler protocol)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpReceiver, int]]:
    """An SMTP server on a free loopback port; yields the receiver and the port."""
    receiver = SmtpReceiver()
    port = free_port()
    controller = Controller(receiver, hostname="127.0.0.1", port=port)
    controller.start()
    yield receiver, port
    controller.stop()


def email_target(port: int) -> str:
    """An apprise mailto:// target sending plainly (no TLS) to the loopback SMTP server."""
    return f"mailto://127.0.0.1:{port}/ops@example.com?from=alerts@example.com&mode=insecure"
