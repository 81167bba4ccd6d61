"""Uploads through injected faults end byte-identical: 429, 503, drops, token expiry."""

from __future__ import annotations

import hashlib
import io
import logging
from typing import Any

import pytest

from faultcheck import fired
from pyanaplan import Client
from pyanaplan.errors import TransferError

MIB = 1024 * 1024


def payload(size: int) -> bytes:
    line = b"Mountain Bike 300,Japan,12,1299.00,fault test row\n"
    return (line * (size // len(line) + 1))[:size]


def acknowledged_chunks(emu: Any) -> list[str]:
    return [
        r["path"].rsplit("/", 1)[1]
        for r in emu.requests()
        if r["method"] == "PUT" and "/chunks/" in r["path"] and r["status"] == 204
    ]


def round_trip(client: Client, data: bytes, **kwargs: Any) -> None:
    result = client.upload(data, file="Sales.csv", chunk_size=MIB, **kwargs)
    assert result.chunks == -(-len(data) // MIB)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    buffer = io.BytesIO()
    client.download("Sales.csv", buffer)
    assert buffer.getvalue() == data


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 429, "retry_after": 0.2, "times": 3},
        {"status": 429, "retry_after": 1, "retry_after_http_date": True, "times": 1},
        {"status": 503, "times": 3},
        {"status": 500, "times": 2},
        {"drop": True, "times": 3},
        {"expire_token": True, "times": 1},
    ],
    ids=["429", "429-http-date", "503", "500", "drop", "expired-token"],
)
def test_chunk_put_faults_are_survived(emu: Any, client: Client, fault: dict[str, Any]) -> None:
    data = payload(4 * MIB + 321)
    emu.inject(path="*/chunks/*", method="PUT", **fault)
    round_trip(client, data)
    assert sorted(set(acknowledged_chunks(emu))) == ["0", "1", "2", "3", "4"]
    assert fired(emu) == [fault["times"]]  # the faults really fired, every one of them
    statuses = [r["status"] for r in emu.requests() if "/chunks/" in r["path"]]
    if "status" in fault:
        assert statuses.count(fault["status"]) == fault["times"]


def test_persistent_throttling_shrinks_the_window_and_still_finishes(
    emu: Any, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    data = payload(6 * MIB)
    # More 429s than one request's retry budget (5 attempts): the chunk is re-queued.
    emu.inject(path="*/chunks/2", method="PUT", status=429, retry_after=0.05, times=6)
    with caplog.at_level(logging.WARNING, logger="pyanaplan.transfer"):
        round_trip(client, data, concurrency=4)
    requeued = [
        r.getMessage() for r in caplog.records if "sending it again later" in r.getMessage()
    ]
    assert requeued and "at most 2 chunks in flight" in requeued[0]
    statuses = [
        r["status"]
        for r in emu.requests()
        if r["method"] == "PUT" and r["path"].endswith("/chunks/2")
    ]
    assert statuses.count(429) == 6 and statuses[-1] == 204
    assert fired(emu) == [6]


def test_complete_and_chunk_count_faults(emu: Any, client: Client) -> None:
    data = payload(2 * MIB + 1)
    emu.inject(path="*/files/113000000003", method="POST", status=503, times=1)
    emu.inject(path="*/complete", method="POST", drop=True, times=1)
    round_trip(client, data)
    assert fired(emu) == [1, 1]


def test_a_chunk_that_keeps_failing_fails_the_upload(emu: Any, client: Client) -> None:
    emu.inject(path="*/chunks/1", method="PUT", status=503, times=None, fraction=1.0)
    with pytest.raises(TransferError) as info:
        client.upload(payload(3 * MIB), file="Sales.csv", chunk_size=MIB)
    assert "Chunk 1" in str(info.value)
    assert info.value.hint
    # Not completed: no silent success.
    assert not [r for r in emu.requests() if r["path"].endswith("/complete")]
    # Every attempt at chunk 1 was faulted, and there were attempts.
    attempts = [
        r["status"] for r in emu.requests() if r["method"] == "PUT" and r["path"].endswith("/1")
    ]
    assert fired(emu) == [len(attempts)] and len(attempts) > 1 and set(attempts) == {503}
