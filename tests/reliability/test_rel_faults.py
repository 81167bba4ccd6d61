"""Suite 1 — faults: every fault class at several rates, on uploads, downloads and task runs.

Each scenario ends one of two ways, and the test tells which:

* **byte-identical** — the operation returned and its result is verified independently (the
  uploaded file is downloaded back by a fault-free client and hashed; the download is hashed
  against the source; the import's task is COMPLETE and successful);
* **clear error** — an `AnaplanError` with a one-line message was raised once the retry budget was
  spent, nothing half-written was left in the target, and a fault-free rerun then succeeds.

Anything else — a return value that does not verify (a silent success), a raw exception from a
lower layer, or a second task started for one run — fails the test. The emulator picks which
requests a fractional fault hits at random, so the figures record how many faults actually fired.

Besides the grid (fault class × rate × operation): several faults on one round trip, faults on
the upload's start and complete POSTs, a TCP relay that resets connections while a chunk body is
still going up (the emulator's own `drop` cuts responses), and an ambiguous task start while the
server's clock runs ahead of the client's.
"""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pyanaplan import RetryPolicy
from pyanaplan.errors import AnaplanError

MIB = 1024 * 1024
SIZE = 2 * MIB + 1000  # three chunks of 1 MiB
REGIONS_IMPORT = "Regions from Regions.csv"
SALES_FILE = "Sales.csv"


@dataclass(frozen=True)
class Fault:
    """A fault class: how to inject it, per operation (path glob and method)."""

    name: str
    kwargs: dict[str, Any]
    # operation -> (path glob, method); the request each operation cannot survive without retries.
    targets: dict[str, tuple[str, str | None]]
    timeout_s: float | None = None  # the client's read timeout (slow responses)


CHUNKS = {
    "upload": ("*/files/*/chunks/*", "PUT"),
    "download": ("*/files/*/chunks/*", "GET"),
    "task": ("*/imports/*/tasks*", None),
}
FAULTS = {
    "429 Retry-After seconds": Fault(
        "429 Retry-After seconds", {"status": 429, "retry_after": 1}, CHUNKS
    ),
    "429 Retry-After HTTP date": Fault(
        "429 Retry-After HTTP date",
        {"status": 429, "retry_after": 1, "retry_after_http_date": True},
        CHUNKS,
    ),
    "500": Fault("500", {"status": 500}, CHUNKS),
    "502": Fault("502", {"status": 502}, CHUNKS),
    "503": Fault("503", {"status": 503}, CHUNKS),
    "409 busy": Fault("409 busy", {"status": 409}, CHUNKS),
    "connection dropped mid-body": Fault(
        "connection dropped mid-body",
        {"drop": True},
        {
            "upload": ("*/files/*/chunks/*", "PUT"),  # the chunk landed, its answer is cut
            "download": ("*/files/*/chunks/*", "GET"),  # the chunk body is cut half-way
            "task": ("*/imports/*/tasks", "POST"),  # the task started, its id never arrived
        },
    ),
    "slower than the client timeout": Fault(
        "slower than the client timeout",
        {"delay_s": 1.2},
        {
            # Chunk PUT/GET use a fixed 300 s timeout (transfer/upload.py, download.py), so the
            # slow request is the one each operation makes with the ordinary timeout.
            "upload": ("*/files/*/chunks", "GET"),
            "download": ("*/files/*/chunks", "GET"),
            "task": ("*/imports/*/tasks/*", "GET"),
        },
        timeout_s=0.4,
    ),
    "token expired/revoked mid-job": Fault(
        "token expired/revoked mid-job",
        {"expire_token": True},
        {
            "upload": ("*/files/*/chunks/*", "PUT"),
            "download": ("*/files/*/chunks/*", "GET"),
            "task": ("*/imports/*/tasks/*", "GET"),
        },
    ),
}
RATES: dict[str, dict[str, Any]] = {
    "once": {"times": 1},
    "20%": {"fraction": 0.2},
    "50%": {"fraction": 0.5},
    "always": {"fraction": 1.0},
}
# The fast subset (make test): each fault class once on one operation, plus every operation
# under a fractional rate and one exhausted retry budget per operation.
FAST = {
    ("429 Retry-After seconds", "once", "upload"),
    ("429 Retry-After HTTP date", "once", "download"),
    ("502", "once", "task"),
    ("503", "always", "upload"),
    ("409 busy", "once", "upload"),
    ("connection dropped mid-body", "once", "upload"),
    ("connection dropped mid-body", "50%", "download"),
    ("connection dropped mid-body", "once", "task"),
    ("slower than the client timeout", "once", "task"),
    ("token expired/revoked mid-job", "20%", "upload"),
    ("token expired/revoked mid-job", "always", "download"),
    ("500", "always", "task"),
}


def _cases() -> list[Any]:
    cases = []
    for fault in FAULTS:
        for rate in RATES:
            for op in ("upload", "download", "task"):
                marks = [] if (fault, rate, op) in FAST else [pytest.mark.slow]
                cases.append(pytest.param(fault, rate, op, marks=marks, id=f"{op}-{fault}-{rate}"))
    return cases


def _policy(rate: str) -> RetryPolicy:
    # A bounded budget: an "always" fault must end in an error within seconds, not minutes.
    if rate == "always":
        return RetryPolicy(attempts=3, base_s=0.01, max_backoff_s=0.05, deadline_s=8)
    return RetryPolicy(attempts=8, base_s=0.01, max_backoff_s=0.05, deadline_s=30)


def _rule(emu: Any, rule_id: int) -> dict[str, Any]:
    """The rule as the emulator counted it: ``matched`` and ``fired`` (spent rules stay listed)."""
    (rule,) = [r for r in emu.faults() if r["id"] == rule_id]
    return rule


def _fired(emu: Any, rule_id: int) -> int:
    return int(_rule(emu, rule_id)["fired"])


def _assert_clear(error: BaseException) -> str:
    """The error is ours, with a one-line message that names the problem."""
    assert isinstance(error, AnaplanError), f"raw {type(error).__name__} escaped: {error!r}"
    message = str(error).strip()
    assert message and "Traceback" not in message, repr(error)
    first = message.splitlines()[0]
    assert len(first) > 15, first
    return first


@pytest.mark.parametrize(("fault_name", "rate", "op"), _cases())
def test_fault_is_survived_or_reported(
    emu: Any,
    rclient: Callable[..., Any],
    make_csv: Callable[..., bytes],
    figures: Any,
    tmp_path: Path,
    fault_name: str,
    rate: str,
    op: str,
) -> None:
    fault = FAULTS[fault_name]
    path_glob, method = fault.targets[op]
    data = make_csv(SIZE, seed=len(fault_name) + len(rate))
    source = tmp_path / SALES_FILE
    source.write_bytes(data)
    target = tmp_path / "out" / "Sales-copy.csv"
    checker = rclient()  # fault-free verification happens after clear_faults()
    if op == "download":
        checker.upload(source, chunk_size=MIB)
    kwargs: dict[str, Any] = {"retry": _policy(rate)}
    if fault.timeout_s is not None:
        kwargs["timeout_s"] = fault.timeout_s
    client = rclient(**kwargs)
    client.model_ref()  # resolve names before the faults start (they target the job itself)
    client.files()
    emu.set_task_timing(steps=3, step_s=0.05)
    rule_id = emu.inject(path=path_glob, method=method, **fault.kwargs, **RATES[rate])

    error: BaseException | None = None
    started = time.monotonic()
    try:
        if op == "upload":
            client.upload(source, chunk_size=MIB)
        elif op == "download":
            client.download(SALES_FILE, target)
        else:
            result = client.run_import(REGIONS_IMPORT)
    except Exception as exc:  # judged below: must be a clear AnaplanError
        error = exc
    counts = _rule(emu, rule_id)
    fired = int(counts["fired"])
    elapsed_s = time.monotonic() - started
    # The fault was aimed right: the job's requests reached it, and a sure fault fired.
    assert counts["matched"] >= 1, f"no {method or 'any'} {path_glob} request reached the fault"
    if rate == "once":
        assert fired == 1
    elif rate == "always":
        assert fired == counts["matched"]
    if fault_name == "429 Retry-After seconds" and rate == "once":
        # Retry-After: 1 was honoured (the fast policy's own backoff is at most 0.05 s).
        assert elapsed_s >= 0.95, f"retried after {elapsed_s:.2f} s despite Retry-After: 1"
    emu.clear_faults()

    duplicates = 0
    if op == "task":
        posts = [
            r
            for r in emu.requests()
            if r["method"] == "POST" and r["path"].endswith("/tasks") and "/imports/" in r["path"]
        ]
        started = [r for r in posts if r["status"] in (200, 201, "dropped")]
        tasks = checker.tasks("import", REGIONS_IMPORT)
        duplicates = max(0, len(tasks) - 1)
        assert len(tasks) == len(started) <= 1, (posts, tasks)

    if error is None:
        if op == "upload":
            buffer = io.BytesIO()
            checker.download(SALES_FILE, buffer)
            identical = hashlib.sha256(buffer.getvalue()).digest() == hashlib.sha256(data).digest()
        elif op == "download":
            identical = target.read_bytes() == data
        else:
            identical = result.successful and result.state == "COMPLETE"
        outcome, detail = ("byte-identical" if identical else "SILENT"), ""
        figures.fault(
            fault=fault_name,
            rate=rate,
            operation=op,
            injected=fired,
            outcome=outcome,
            detail=detail,
            duplicate_tasks=duplicates,
        )
        assert identical, f"{op} returned success but the result does not verify"
        if rate == "always" and "status" in fault.kwargs:
            # The server answered every matching request with an error and did nothing, so
            # success means a required step was skipped. (A dropped or slow answer is different:
            # the server did the work, and a client that checks and adopts it may succeed.)
            pytest.fail(f"{op} reported success although every matching request was faulted")
        return

    detail = f"{type(error).__name__}: {_assert_clear(error)}"
    figures.fault(
        fault=fault_name,
        rate=rate,
        operation=op,
        injected=fired,
        outcome="clear error",
        detail=detail,
        duplicate_tasks=duplicates,
    )
    # Nothing half-written: a failed download never leaves (part of) the target behind.
    assert not target.exists()
    # A transient fault must be survived unless the budget was truly spent. The budgets:
    # 409 (busy) is retried on idempotent requests only: a task-start POST is never repeated
    # on a status (ConflictError, exit 5), so one 409 may end a task job; a request
    # re-authenticates once (STYLE 6), so two 401s in a row on one request end it; anything
    # else is retried, so it takes at least three faults.
    budget = 1 if (fault_name, op) == ("409 busy", "task") else 3
    budget = 2 if fault_name == "token expired/revoked mid-job" else budget
    assert rate == "always" or fired >= budget, (
        f"{op} gave up after only {fired} {fault_name} faults: {detail}"
    )
    # The fault gone, the same job succeeds (resuming where it can).
    if op == "upload":
        client.upload(source, chunk_size=MIB)
        buffer = io.BytesIO()
        checker.download(SALES_FILE, buffer)
        assert buffer.getvalue() == data
    elif op == "download":
        client.download(SALES_FILE, target)
        assert target.read_bytes() == data
    else:
        again = checker.run_import(REGIONS_IMPORT)
        assert again.successful


def test_mixed_faults_on_one_upload_and_download(
    emu: Any,
    rclient: Callable[..., Any],
    make_csv: Callable[..., bytes],
    figures: Any,
    tmp_path: Path,
) -> None:
    """Several fault classes at once on a five-chunk round trip: still byte-identical."""
    data = make_csv(4 * MIB + 77, seed=99)
    source = tmp_path / SALES_FILE
    source.write_bytes(data)
    client = rclient()
    client.files()
    emu.inject(path="*/chunks/*", method="PUT", status=503, times=2)
    emu.inject(path="*/chunks/*", method="PUT", drop=True, times=1)
    emu.inject(path="*/chunks/*", method="PUT", expire_token=True, times=1)
    emu.inject(path="*/chunks/*", method="GET", status=429, retry_after=1, times=1)
    emu.inject(path="*/chunks/*", method="GET", drop=True, times=1)
    client.upload(source, chunk_size=MIB)
    target = tmp_path / "copy.csv"
    client.download(SALES_FILE, target)
    counts = [r["fired"] for r in emu.faults()]
    fired = sum(counts)
    assert target.read_bytes() == data
    assert counts == [2, 1, 1, 1, 1]  # every fault fired, as often as it was set to
    figures.fault(
        fault="503×2 + drop + expired token + 429 + drop",
        rate="once each",
        operation="upload+download",
        injected=fired,
        outcome="byte-identical",
        detail="",
    )


# ---- a connection cut while the chunk body is still going up -------------------------------------
class CuttingRelay:
    """A loopback TCP relay that resets connections part-way through chunk PUT bodies.

    The emulator's `drop` fault cuts the *response*; a network that fails while the client is
    still sending needs a man in the middle. This relay forwards bytes both ways and, for the
    next `cuts` chunk PUTs (or each with probability `fraction`), resets both sockets once
    `cut_after` bytes of that request have gone through.
    """

    def __init__(
        self, upstream_port: int, *, cut_after: int, cuts: int, fraction: float, seed: int
    ) -> None:
        import random
        import socket
        import threading

        self.upstream_port = upstream_port
        self.cut_after = cut_after
        self.cuts_left = cuts
        self.fraction = fraction
        self.random = random.Random(seed)
        self.cuts_done = 0
        self.lock = threading.Lock()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _should_cut(self) -> bool:
        with self.lock:
            if self.cuts_left > 0:
                self.cuts_left -= 1
                return True
            return self.fraction > 0 and self.random.random() < self.fraction

    def _accept(self) -> None:
        import socket
        import threading

        while not self.closed:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            threading.Thread(target=self._pump_up, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump_down, args=(upstream, client), daemon=True).start()

    def _reset(self, *socks: Any) -> None:
        import socket
        import struct

        for sock in socks:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.close()
            except OSError:
                pass

    def _pump_up(self, client: Any, upstream: Any) -> None:
        sent_in_request = 0
        cutting = False
        try:
            while True:
                data = client.recv(65536)
                if not data:
                    break
                if b"PUT /2/0/" in data and b"/chunks/" in data.split(b"\r\n", 1)[0]:
                    sent_in_request = 0
                    cutting = self._should_cut()
                if cutting and sent_in_request + len(data) > self.cut_after:
                    upstream.sendall(data[: max(0, self.cut_after - sent_in_request)])
                    with self.lock:
                        self.cuts_done += 1
                    self._reset(client, upstream)
                    return
                upstream.sendall(data)
                sent_in_request += len(data)
        except OSError:
            pass
        self._reset(client, upstream)

    def _pump_down(self, upstream: Any, client: Any) -> None:
        try:
            while True:
                data = upstream.recv(65536)
                if not data:
                    break
                client.sendall(data)
        except OSError:
            pass
        self._reset(client, upstream)

    def close(self) -> None:
        self.closed = True
        self.server.close()


@pytest.mark.parametrize(
    ("cuts", "fraction"),
    [
        pytest.param(1, 0.0, id="once"),
        pytest.param(0, 0.3, id="30%", marks=pytest.mark.slow),
        pytest.param(2, 0.5, id="50%", marks=pytest.mark.slow),
    ],
)
def test_connection_cut_mid_chunk_body_on_upload(
    emu: Any,
    rclient: Callable[..., Any],
    make_csv: Callable[..., bytes],
    figures: Any,
    tmp_path: Path,
    cuts: int,
    fraction: float,
) -> None:
    from urllib.parse import urlsplit

    data = make_csv(SIZE, seed=31)
    source = tmp_path / SALES_FILE
    source.write_bytes(data)
    relay = CuttingRelay(
        urlsplit(emu.api_url).port or 0,
        cut_after=64 * 1024,
        cuts=cuts,
        fraction=fraction,
        seed=cuts + int(fraction * 10),
    )
    try:
        client = rclient(api_url=f"http://127.0.0.1:{relay.port}")
        outcome, detail = "byte-identical", ""
        try:
            # Uncompressed, so each chunk body is a full MiB and the cut lands inside it.
            client.upload(source, chunk_size=MIB, compress=False)
        except AnaplanError as exc:
            outcome, detail = "clear error", f"{type(exc).__name__}: {_assert_clear(exc)}"
    finally:
        relay.close()
    checker = rclient()
    if outcome == "byte-identical":
        buffer = io.BytesIO()
        checker.download(SALES_FILE, buffer)
        assert buffer.getvalue() == data, "upload reported success but the file differs"
    figures.fault(
        fault="connection reset mid-chunk request body (TCP relay)",
        rate="once" if cuts and not fraction else f"{int(fraction * 100)}%",
        operation="upload",
        injected=relay.cuts_done,
        outcome=outcome,
        detail=detail,
    )
    assert relay.cuts_done >= 1, "the relay never cut a request"
    if outcome != "byte-identical":
        assert relay.cuts_done >= 3, f"gave up after {relay.cuts_done} cut(s): {detail}"


@pytest.mark.parametrize(
    ("step", "path"),
    [
        pytest.param("chunk-count POST", "*/files/113000000003", id="start"),
        pytest.param("complete POST", "*/files/113000000003/complete", id="complete"),
    ],
)
@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"drop": True}, id="drop"),
        pytest.param({"status": 503}, id="503"),
        pytest.param({"status": 429, "retry_after": 1}, id="429", marks=pytest.mark.slow),
    ],
)
def test_faults_on_the_upload_protocol_steps(
    emu: Any,
    rclient: Callable[..., Any],
    make_csv: Callable[..., bytes],
    figures: Any,
    tmp_path: Path,
    step: str,
    path: str,
    kwargs: dict[str, Any],
) -> None:
    """The POSTs around the chunks (start with chunkCount -1, complete) are retried safely."""
    data = make_csv(SIZE, seed=41)
    source = tmp_path / SALES_FILE
    source.write_bytes(data)
    client = rclient()
    client.files()
    rule = emu.inject(path=path, method="POST", times=1, **kwargs)
    client.upload(source, chunk_size=MIB)
    fired = _fired(emu, rule)
    buffer = io.BytesIO()
    rclient().download(SALES_FILE, buffer)
    identical = buffer.getvalue() == data
    name = "dropped" if kwargs.get("drop") else str(kwargs["status"])
    figures.fault(
        fault=f"{name} on the {step}",
        rate="once",
        operation="upload",
        injected=fired,
        outcome="byte-identical" if identical else "SILENT",
        detail="",
    )
    assert fired == 1 and identical


def test_ambiguous_start_with_server_clock_ahead_adopts_its_own_task(
    emu: Any, rclient: Callable[..., Any], figures: Any
) -> None:
    emu.advance_clock(600)  # the server's clock runs 10 minutes ahead of this machine's
    client = rclient()
    first = client.run_import(REGIONS_IMPORT)
    rule = emu.inject(path="*/imports/*/tasks", method="POST", drop=True, times=1)
    second = client.run_import(REGIONS_IMPORT)
    fired = _fired(emu, rule)
    tasks = client.tasks("import", REGIONS_IMPORT)
    newest = max(tasks, key=lambda t: t.creation_time or 0)
    adopted_own = second.task_id == newest.task_id != first.task_id
    figures.fault(
        fault="dropped task-start answer, server clock 10 min ahead",
        rate="once",
        operation="task",
        injected=fired,
        outcome="byte-identical" if adopted_own else "SILENT",
        detail="" if adopted_own else "adopted the previous run's task",
    )
    assert fired == 1
    assert len(tasks) == 2
    assert adopted_own, (first.task_id, second.task_id, [t.task_id for t in tasks])


PROCESS = "Load Sales and Export"


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"path": "*/processes/*/tasks", "method": "POST", "drop": True}, id="drop"),
        pytest.param(
            {"path": "*/processes/*/tasks/*", "method": "GET", "status": 503, "times": 3},
            id="503",
            marks=pytest.mark.slow,
        ),
        pytest.param(
            {"path": "*/processes/*/tasks/*", "method": "GET", "expire_token": True},
            id="expired-token",
            marks=pytest.mark.slow,
        ),
    ],
)
def test_process_run_under_faults_starts_one_task(
    emu: Any, rclient: Callable[..., Any], figures: Any, tmp_path: Path, kwargs: dict[str, Any]
) -> None:
    """A process (three imports and an export) under a fault: one process task, a result."""
    client = rclient()
    client.processes()
    rule = emu.inject(**{"times": 1, **kwargs})
    result = client.run_process(PROCESS, dump_dir=tmp_path / "dumps", check=False)
    fired = _fired(emu, rule)
    emu.clear_faults()
    tasks = client.tasks("process", PROCESS)
    starts = [
        r
        for r in emu.requests()
        if r["method"] == "POST" and r["path"].endswith("/tasks") and "/processes/" in r["path"]
    ]
    ok = result.state == "COMPLETE" and len(tasks) == 1 and result.task_id == tasks[0].task_id
    figures.fault(
        fault=next(k for k in ("drop", "status", "expire_token") if k in kwargs).replace(
            "status", "503"
        ),
        rate="once" if kwargs.get("times", 1) == 1 else f"{kwargs['times']}×",
        operation="process task",
        injected=fired,
        outcome="byte-identical" if ok else "SILENT",
        detail=f"{len(result.nested)} nested results; {len(starts)} start POST(s)",
        duplicate_tasks=max(0, len(tasks) - 1),
    )
    assert fired == kwargs.get("times", 1)
    assert len(tasks) == 1, tasks
    assert ok, result
    assert len(result.nested) == 4, result.nested


@pytest.mark.slow
@pytest.mark.parametrize("http_date", [False, True], ids=["seconds", "http-date"])
def test_retry_after_is_honoured(
    emu: Any,
    rclient: Callable[..., Any],
    make_csv: Callable[..., bytes],
    figures: Any,
    tmp_path: Path,
    http_date: bool,
) -> None:
    """429 with Retry-After: 3 on a chunk GET: the retry waits for it (an HTTP date has
    one-second resolution, so it is at least 2 s away when sent)."""
    data = make_csv(SIZE, seed=51)
    client = rclient()
    client.upload(data, file=SALES_FILE, chunk_size=MIB)
    rule = emu.inject(
        path="*/files/*/chunks/1",
        method="GET",
        status=429,
        retry_after=3,
        retry_after_http_date=http_date,
        times=1,
    )
    started = time.monotonic()
    target = tmp_path / "copy.csv"
    client.download(SALES_FILE, target)
    elapsed = time.monotonic() - started
    assert _fired(emu, rule) == 1 and target.read_bytes() == data
    figures.fault(
        fault=f"429 Retry-After: 3 ({'HTTP date' if http_date else 'seconds'})",
        rate="once",
        operation="download",
        injected=1,
        outcome="byte-identical",
        detail=f"retried after {elapsed:.2f} s",
    )
    assert elapsed >= (1.9 if http_date else 2.9), elapsed


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"status": 503}, id="503"),
        pytest.param({"drop": True}, id="drop", marks=pytest.mark.slow),
    ],
)
def test_failure_dump_survives_faults(
    emu: Any, rclient: Callable[..., Any], figures: Any, tmp_path: Path, kwargs: dict[str, Any]
) -> None:
    """The Sales import's default content has bad rows: its dump arrives intact under faults."""
    client = rclient()
    clean = client.run_import("Sales from Sales.csv", dump_dir=tmp_path / "clean", check=False)
    assert clean.successful is False and clean.dump_paths
    rule = emu.inject(path="*/tasks/*/dump*", method="GET", times=1, **kwargs)
    faulted = client.run_import("Sales from Sales.csv", dump_dir=tmp_path / "faulted", check=False)
    fired = _fired(emu, rule)
    same = [Path(p).read_bytes() for p in clean.dump_paths] == [
        Path(p).read_bytes() for p in faulted.dump_paths
    ]
    figures.fault(
        fault=f"{'dropped' if kwargs.get('drop') else kwargs.get('status')} on the dump GET",
        rate="once",
        operation="failure dump",
        injected=fired,
        outcome="byte-identical" if same else "SILENT",
        detail="",
    )
    assert fired == 1 and same and faulted.dump_paths
