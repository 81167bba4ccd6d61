"""ApiSession.get_body: one buffer per body, and a body cut short is retried, then raised."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest

from pyanaplan import RetryPolicy, TransportError
from pyanaplan._config import load_settings
from pyanaplan.http import ApiSession


class _Stream(httpx2.SyncByteStream):
    """Yields `parts`; a body shorter than its Content-Length models a dropped connection."""

    def __init__(self, parts: list[bytes]) -> None:
        self.parts = parts

    def __iter__(self) -> Iterator[bytes]:
        yield from self.parts


def _session(responses: list[tuple[int, list[bytes]]]) -> tuple[ApiSession, list[int]]:
    calls: list[int] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        calls.append(1)
        length, parts = responses[min(len(calls), len(responses)) - 1]
        return httpx2.Response(200, headers={"Content-Length": str(length)}, stream=_Stream(parts))

    settings = load_settings(api_url="http://127.0.0.1:9", auth_url="http://127.0.0.1:9")
    policy = RetryPolicy(attempts=3, base_s=0.0, max_backoff_s=0.0, sleep=lambda s: None)
    session = ApiSession(
        settings, httpx2.Auth(), retry=policy, transport=httpx2.MockTransport(handler)
    )
    return session, calls


def test_full_body_is_read_into_one_buffer() -> None:
    session, calls = _session([(10, [b"01234", b"56789"])])
    body = session.get_body("/chunk")
    assert bytes(body) == b"0123456789" and len(calls) == 1


def test_a_body_cut_short_is_retried() -> None:
    session, calls = _session([(10, [b"01234"]), (10, [b"01234", b"56789"])])
    assert bytes(session.get_body("/chunk")) == b"0123456789"
    assert len(calls) == 2


def test_a_body_always_cut_short_raises_once_the_budget_is_spent() -> None:
    session, calls = _session([(10, [b"012"])])
    with pytest.raises(TransportError, match="ended after 3 of 10 bytes"):
        session.get_body("/chunk")
    assert len(calls) == 3


def test_more_bytes_than_announced_is_an_error() -> None:
    session, _ = _session([(4, [b"0123456789"])])
    with pytest.raises(TransportError, match="more bytes than its Content-Length"):
        session.get_body("/chunk")
