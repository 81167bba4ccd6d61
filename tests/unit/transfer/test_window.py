"""The in-flight window: halves on throttling, grows back slowly, never below one."""

from __future__ import annotations

from pyanaplan.errors import (
    AuthenticationError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
)
from pyanaplan.transfer._gzip import gzip_bytes
from pyanaplan.transfer._sender import SendWindow, is_transient


def test_window_halves_and_recovers() -> None:
    window = SendWindow(8)
    window.throttled()
    assert window.limit == 4
    window.throttled()
    window.throttled()
    window.throttled()
    assert window.limit == 1
    for _ in range(2):
        window.succeeded()
    assert window.limit == 2
    for _ in range(1000):
        window.succeeded()
    assert window.limit == 8  # never above the configured maximum


def test_transient_failures() -> None:
    assert is_transient(RateLimitedError("slow", status=429))
    assert is_transient(ServerError("busy", status=503))
    assert is_transient(TransportError("reset"))
    assert not is_transient(NotFoundError("gone", status=404))
    assert not is_transient(AuthenticationError("no", status=401))
    assert not is_transient(ValueError("bug"))


def test_gzip_is_deterministic_and_valid() -> None:
    import gzip

    data = b"a,b,c\n" * 1000
    assert gzip_bytes(data, 1) == gzip_bytes(data, 1)
    assert gzip.decompress(gzip_bytes(data, 6)) == data
    assert gzip.decompress(gzip_bytes(b"", 1)) == b""
