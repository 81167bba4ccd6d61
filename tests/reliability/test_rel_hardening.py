"""Suite 6 — emulator hardening: authentication, isolation between users, paths, size limits, fuzz.

* Every /2/0 (and legacy /1/3) route in the app's route table, with every method it accepts and
  real IDs filled in, answers 401 without a token and with a forged one — never data, never 500.
* A user sees only the workspaces they belong to, and only their own file content and dumps.
* File-name and chunk segments (``..``, encoded slashes, NUL, very long names) never make the
  server write outside its data dir.
* Oversized JSON bodies and gzip bombs are refused with 413, not buffered or crashed on.
* A hypothesis fuzz of paths, methods and bodies against the bulk endpoints finds no 500 and no
  hang (bounded in examples and time); test_rel_schemathesis.py adds the schema-driven run.
* Hostile values: NaN, ±Infinity, 1e999, wrong types and 50,000-level nesting on the control API
  and on file and task POSTs are 4xx, never 500, and never leave the server broken; requests a
  web page could send to the control API (no token, form bodies, Origin) change nothing.
* Simultaneous ``POST files/{name}`` of one name create exactly one file per user.
"""

from __future__ import annotations

import gzip
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyanaplan.emulator import Emulator

REPO = Path(__file__).resolve().parents[2]
WS = "8a81b09d5e3f2c1a015e3f2c1a000001"
MODEL = "5B2E6F0C8A7D4E1F9C3B2A1D0E9F8C7B"
SALES_FILE = "113000000003"
SALES_IMPORT = "112000000003"
DEMO_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
PRIVATE_WS = "8a81b09d5e3f2c1a015e3f2c1a0000ff"
MB = f"/2/0/workspaces/{WS}/models/{MODEL}"


def _token(emu: Any, user: int = 0) -> str:
    email, password = emu.users[user]
    response = httpx2.post(f"{emu.auth_url}/token/authenticate", auth=(email, password), timeout=10)
    assert response.status_code == 201, response.text
    return str(response.json()["tokenInfo"]["tokenValue"])


def _api(emu: Any, user: int = 0) -> httpx2.Client:
    return httpx2.Client(
        base_url=emu.api_url,
        headers={"Authorization": f"AnaplanAuthToken {_token(emu, user)}"},
        timeout=10,
    )


def _failing_import(api: httpx2.Client) -> str:
    """Run the Sales import on content with a bad row; returns the task id (it has a dump)."""
    body = b"Product,Region,Units,Price,Comment\nNo Such Bike,North America,1,1.00,x\n"
    put = api.put(
        f"{MB}/files/{SALES_FILE}",
        content=body,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert put.status_code in (200, 204), put.text
    start = api.post(f"{MB}/imports/{SALES_IMPORT}/tasks", json={"localeName": "en_US"})
    task_id = start.json()["task"]["taskId"]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        task = api.get(f"{MB}/imports/{SALES_IMPORT}/tasks/{task_id}").json()["task"]
        if task["taskState"] == "COMPLETE":
            return str(task_id)
        time.sleep(0.05)
    raise AssertionError("the import did not complete")


# ---- authentication on every route ---------------------------------------------------------------
def _api_routes(app: Any) -> Iterator[tuple[str, str]]:
    for route in app.routes:
        path = getattr(route, "path", "")
        if not path.startswith(("/2/0/", "/1/3/")):
            continue
        for method in sorted(getattr(route, "methods", None) or []):
            yield method, path


# HEAD on the file root used to answer 500 (a KeyError in the handler's method table) before it
# looked at the token — found by this suite, fixed in d41a8fd; probed by its own test below.
HEAD_500 = {
    ("HEAD", "/2/0/workspaces/{workspace_id}/models/{model_id}/files/{file_id}"),
    ("HEAD", "/2/0/models/{model_id}/files/{file_id}"),
    ("HEAD", "/1/3/workspaces/{workspace_id}/models/{model_id}/files/{file_id}"),
}


def _probe_routes(
    emu: Any, pairs: list[tuple[str, str]], values: dict[str, str]
) -> tuple[int, list[str]]:
    """Send each (method, template) without a token and with a forged one; report non-401s."""
    bad: list[str] = []
    probes = 0
    anon = httpx2.Client(base_url=emu.api_url, timeout=10)
    try:
        for method, template in pairs:
            path = re.sub(r"{([^}:]+)(:[^}]*)?}", lambda m: values[m.group(1)], template)
            for headers in ({}, {"Authorization": "AnaplanAuthToken forged-token-value-1234"}):
                probes += 1
                label = "forged token" if headers else "no token"
                try:
                    status = anon.request(method, path, headers=headers, content=b"{}").status_code
                except httpx2.TransportError as exc:  # a crashed handler can drop the connection
                    anon.close()
                    anon = httpx2.Client(base_url=emu.api_url, timeout=10)
                    bad.append(f"{method} {path} ({label}) -> {type(exc).__name__}")
                    continue
                if status != 401:
                    bad.append(f"{method} {path} ({label}) -> {status}")
    finally:
        anon.close()
    return probes, bad


def _route_values(emu: Any) -> dict[str, str]:
    with _api(emu) as api:
        task_id = _failing_import(api)
    return {
        "workspace_id": WS,
        "model_id": MODEL,
        "file_id": SALES_FILE,
        "chunk_id": "0",
        "kind": "imports",
        "object_id": SALES_IMPORT,
        "task_id": task_id,
        "nested_id": SALES_IMPORT,
        "user_id": DEMO_ID,
        "module_id": "102000000001",
    }


def test_every_api_route_requires_authentication(emu: Any, figures: Any) -> None:
    routes = list(_api_routes(emu.app))
    assert len(routes) > 80, routes  # the table really was enumerated
    assert set(routes) >= HEAD_500
    probes, bad = _probe_routes(emu, [r for r in routes if r not in HEAD_500], _route_values(emu))
    figures.hardening_check(
        check=f"authentication on every /2/0 and /1/3 route ({len(routes)} route×method pairs "
        "from the route table, real IDs; no token and a forged token)",
        probes=probes,
        result=("all 401" if not bad else f"{len(bad)} not 401: {bad[:3]}")
        + f" (plus {len(HEAD_500)} HEAD file routes, probed by their own test)",
    )
    assert not bad, "\n".join(bad)


def test_head_on_a_file_is_authenticated_not_a_server_error(emu: Any) -> None:
    _, bad = _probe_routes(emu, sorted(HEAD_500), _route_values(emu))
    assert not bad, "\n".join(bad)


# ---- isolation between users ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def private_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """Demo spec plus a workspace only the demo user belongs to (Finance Sandbox moved there)."""
    spec = yaml.safe_load((REPO / "src/pyanaplan/emulator/specs/demo.yaml").read_text("utf-8"))
    spec["workspaces"].append(
        {
            "id": PRIVATE_WS,
            "name": "Private Workspace",
            "size_allowance": 1073741824,
            "members": ["demo@pyanaplan.example"],
        }
    )
    spec["models"][1]["workspace"] = PRIVATE_WS
    path = tmp_path_factory.mktemp("private-spec") / "private.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    with Emulator(spec=path) as emu:
        yield emu


def test_users_see_only_their_workspaces(private_emulator: Emulator, figures: Any) -> None:
    emu = private_emulator
    emu.reset()
    finance = "6C3F7A1D9B8E4F2A0D4C3B2E1F0A9D8C"
    with _api(emu, 0) as demo, _api(emu, 1) as analyst:
        demo_ws = {w["id"] for w in demo.get("/2/0/workspaces").json()["workspaces"]}
        analyst_ws = {w["id"] for w in analyst.get("/2/0/workspaces").json()["workspaces"]}
        assert PRIVATE_WS in demo_ws and WS in demo_ws
        assert analyst_ws == {WS}
        analyst_models = {m["id"] for m in analyst.get("/2/0/models").json().get("models", [])}
        assert finance not in analyst_models and MODEL in analyst_models
        probes = [
            f"/2/0/workspaces/{PRIVATE_WS}",
            f"/2/0/workspaces/{PRIVATE_WS}/models",
            f"/2/0/models/{finance}",
            f"/2/0/workspaces/{PRIVATE_WS}/models/{finance}/files",
            f"/2/0/workspaces/{PRIVATE_WS}/models/{finance}/imports",
            f"/2/0/models/{finance}/files",
        ]
        statuses = {p: analyst.get(p).status_code for p in probes}
        legacy = f"/1/3/workspaces/{PRIVATE_WS}/models"  # the 1.3 API signs in with basic auth
        statuses[legacy] = httpx2.get(f"{emu.api_url}{legacy}", auth=emu.users[1]).status_code
        assert httpx2.get(f"{emu.api_url}{legacy}", auth=emu.users[0]).status_code == 200
        assert all(s in (403, 404) for s in statuses.values()), statuses
        assert demo.get(f"/2/0/workspaces/{PRIVATE_WS}/models").status_code == 200
    figures.hardening_check(
        check="a user sees only workspaces they belong to (listings + 7 direct URLs)",
        probes=len(statuses) + 3,
        result=f"outsider got {sorted(set(statuses.values()))}",
    )


def test_users_see_only_their_own_file_content_and_dumps(emu: Any, figures: Any) -> None:
    secret = b"Name,Code\nDemo Only Region,SECRET-7731\n"
    with _api(emu, 0) as demo, _api(emu, 1) as analyst:
        put = demo.put(
            f"{MB}/files/113000000001",
            content=secret,
            headers={"Content-Type": "application/octet-stream"},
        )
        assert put.status_code in (200, 204)
        task_id = _failing_import(demo)
        assert demo.get(f"{MB}/files/113000000001").content == secret
        theirs = analyst.get(f"{MB}/files/113000000001")
        chunk = analyst.get(f"{MB}/files/113000000001/chunks/0")
        assert b"SECRET-7731" not in theirs.content and b"SECRET-7731" not in chunk.content
        dump_path = f"{MB}/imports/{SALES_IMPORT}/tasks/{task_id}/dump"
        mine = demo.get(dump_path)
        assert mine.status_code == 200 and b"No Such Bike" in mine.content
        other = analyst.get(dump_path)
        other_chunks = analyst.get(f"{dump_path}/chunks/0")
        assert b"No Such Bike" not in other.content + other_chunks.content, other.status_code
        assert other.status_code >= 400 and other.status_code < 500
    figures.hardening_check(
        check="per-user file content and dumps (second user reads the first's)",
        probes=4,
        result=f"file: {theirs.status_code}/{chunk.status_code} without the content; "
        f"dump: {other.status_code}/{other_chunks.status_code}",
    )


# ---- paths cannot escape the data dir ------------------------------------------------------------
EVIL_NAMES = [
    "..",
    "../../escape.csv",
    "..%2F..%2Fescape.csv",
    "%2e%2e%2f%2e%2e%2fescape.csv",
    "..%5C..%5Cescape.csv",
    "%2Fetc%2Fpasswd",
    "a%00b.csv",
    "x" * 300 + ".csv",
    "%2e%2e",
    "..%252F..%252Fescape.csv",
    "con.csv",
    "~%2Fescape.csv",
]


def _tree(root: Path) -> set[str]:
    return {str(p) for p in root.rglob("*")}


def test_file_name_segments_cannot_escape_the_data_dir(tmp_path: Path, figures: Any) -> None:
    # A data dir three levels below this test's own directory: anything written outside it, up
    # to two levels, lands where this test can see it (no other process writes there).
    data_dir = (tmp_path / "one" / "two" / "data").resolve()
    data_dir.mkdir(parents=True)
    outside_before = {p for p in _tree(tmp_path) if not p.startswith(str(data_dir))}
    with Emulator(data_dir=data_dir) as emu:
        statuses = _escape_attempts(emu)
    outside_after = {p for p in _tree(tmp_path) if not p.startswith(str(data_dir))}
    assert outside_after == outside_before, outside_after - outside_before
    for path in data_dir.rglob("*"):
        assert path.resolve().is_relative_to(data_dir), path
        assert "escape" not in path.name, path
    for probe in (Path("/escape.csv"), Path("/tmp/escape.csv"), Path("/etc/passwd.csv")):
        assert not probe.exists(), probe
    figures.hardening_check(
        check="file-name / chunk segments with .., encoded slashes, NUL, 300-char names",
        probes=len(EVIL_NAMES) * 6,
        result=f"no write outside the data dir; statuses {sorted(statuses)}",
    )


def _escape_attempts(emu: Any) -> set[int]:
    statuses: set[int] = set()
    with _api(emu) as api:
        for name in EVIL_NAMES:
            base = f"{MB}/files/{name}"
            calls = [
                api.post(base, json={"name": "x", "chunkCount": -1}),
                api.put(
                    base,
                    content=b"escape-attempt",
                    headers={"Content-Type": "application/octet-stream"},
                ),
                api.put(
                    f"{MB}/files/{SALES_FILE}/chunks/{name}",
                    content=b"escape-attempt",
                    headers={"Content-Type": "application/octet-stream"},
                ),
                api.get(base),
                api.get(f"{MB}/files/{SALES_FILE}/chunks/{name}"),
                api.delete(base),
            ]
            for response in calls:
                statuses.add(response.status_code)
                assert response.status_code < 500, (name, response.status_code, response.text)
    return statuses


# ---- request size limits -------------------------------------------------------------------------
def test_request_size_limits(emu: Any, figures: Any) -> None:
    results = {}
    with _api(emu) as api:
        big_json = b'{"localeName": "' + b"a" * (9 * 1024 * 1024) + b'"}'
        response = api.post(
            f"{MB}/imports/{SALES_IMPORT}/tasks",
            content=big_json,
            headers={"Content-Type": "application/json"},
        )
        results["9 MiB JSON body"] = response.status_code
        assert response.status_code == 413, response.status_code
        bomb = gzip.compress(b"\0" * (60 * 1024 * 1024), compresslevel=9)
        assert len(bomb) < 200_000
        response = api.put(
            f"{MB}/files/{SALES_FILE}/chunks/0",
            content=bomb,
            headers={"Content-Type": "application/x-gzip"},
        )
        results[f"gzip bomb ({len(bomb) // 1024} KiB -> 60 MiB)"] = response.status_code
        assert response.status_code == 413, response.status_code
        huge_header = {"X-Filler": "h" * (1024 * 1024)}
        try:
            status: Any = api.get(f"{MB}/files", headers=huge_header).status_code
        except httpx2.HTTPError as exc:  # the server may just close the connection
            status = type(exc).__name__
        results["1 MiB header"] = status
        assert status != 200 and not (isinstance(status, int) and status >= 500), status
        # Still serving afterwards.
        assert api.get(f"{MB}/files").status_code == 200
    figures.hardening_check(
        check="request size limits",
        probes=len(results),
        result=", ".join(f"{k}: {v}" for k, v in results.items()),
    )


# ---- fuzz ----------------------------------------------------------------------------------------
TEMPLATES = [
    "{mb}/files",
    "{mb}/files/{a}",
    "{mb}/files/{a}/chunks",
    "{mb}/files/{a}/chunks/{b}",
    "{mb}/files/{a}/complete",
    "{mb}/{kind}",
    "{mb}/{kind}/{a}",
    "{mb}/{kind}/{a}/tasks",
    "{mb}/{kind}/{a}/tasks/{b}",
    "{mb}/{kind}/{a}/tasks/{b}/dump",
    "{mb}/{kind}/{a}/tasks/{b}/dump/chunks/{c}",
    "{mb}/{kind}/{a}/tasks/{b}/dumps/{c}",
    "/2/0/workspaces/{a}/models/{b}/files",
    "/2/0/models/{a}/files/{b}",
    "/2/0/models/{a}",
]
SEGMENT = st.one_of(
    st.sampled_from(
        [
            SALES_FILE,
            SALES_IMPORT,
            "116000000001",
            "0",
            "-1",
            "..",
            "%2F",
            "%00",
            "113000000003%2F..",
            "Sales.csv",
            "x" * 500,
            "%ZZ",
            "99999999999999999999",
        ]
    ),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="/?#"), max_size=40),
)
BODY = st.one_of(
    st.none(),
    st.binary(max_size=2048),
    st.sampled_from(
        [
            b"{}",
            b"[]",
            b"null",
            b'{"chunkCount": "x"}',
            b'{"chunkCount": -5}',
            b'{"localeName": 1, "mappingParameters": "oops"}',
            b"\x1f\x8b\x08junk",
            b'{"name": "../x", "chunkCount": 1e308}',
            b'{"a":' * 200,
        ]
    ),
)


def _fuzz(emu: Any, examples: int, budget_s: float) -> dict[str, Any]:
    from urllib.parse import quote

    stats: dict[str, Any] = {"requests": 0, "statuses": set(), "slowest_s": 0.0}
    problems: list[str] = []
    started = time.monotonic()
    api = _api(emu)

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        template=st.sampled_from(TEMPLATES),
        kind=st.sampled_from(["imports", "exports", "actions", "processes", "files", "zz"]),
        a=SEGMENT,
        b=SEGMENT,
        c=SEGMENT,
        method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
        body=BODY,
        ctype=st.sampled_from(
            ["application/json", "application/octet-stream", "application/x-gzip", "text/plain"]
        ),
    )
    def probe(
        template: str,
        kind: str,
        a: str,
        b: str,
        c: str,
        method: str,
        body: bytes | None,
        ctype: str,
    ) -> None:
        if time.monotonic() - started > budget_s:
            return  # time budget spent: the remaining examples are no-ops
        path = template.format(
            mb=MB, kind=kind, a=quote(a, safe="%"), b=quote(b, safe="%"), c=quote(c, safe="%")
        )
        t0 = time.monotonic()
        try:
            response = api.request(
                method, path, content=body, headers={"Content-Type": ctype}, timeout=10
            )
        except httpx2.TimeoutException:
            problems.append(f"HANG {method} {path}")
            return
        elapsed = time.monotonic() - t0
        stats["requests"] += 1
        stats["statuses"].add(response.status_code)
        stats["slowest_s"] = max(stats["slowest_s"], elapsed)
        if response.status_code >= 500:
            problems.append(f"{response.status_code} {method} {path} body={body!r:.80}")

    try:
        probe()
    finally:
        api.close()
    stats["problems"] = problems
    stats["elapsed_s"] = time.monotonic() - started
    return stats


@pytest.mark.parametrize(
    ("examples", "budget_s"),
    [
        pytest.param(300, 8.0, id="fast"),
        pytest.param(3000, 20.0, id="full", marks=pytest.mark.slow),
    ],
)
def test_fuzz_bulk_endpoints_no_500_no_hang(
    emu: Any, figures: Any, examples: int, budget_s: float
) -> None:
    stats = _fuzz(emu, examples, budget_s)
    figures.hardening_check(
        check=f"hypothesis fuzz of bulk endpoints ({examples} examples max, {budget_s:.0f} s "
        "budget, derandomized)",
        probes=stats["requests"],
        result=f"{len(stats['problems'])} problems; statuses {sorted(stats['statuses'])}; "
        f"slowest {stats['slowest_s']:.2f} s; {stats['elapsed_s']:.1f} s",
    )
    assert stats["requests"] >= min(examples, 100)
    assert not stats["problems"], "\n".join(stats["problems"][:20])
    with _api(emu) as api:  # and the server still answers
        assert api.get(f"{MB}/files").status_code == 200


@pytest.mark.slow
def test_uncompressed_chunk_over_50_mb_is_refused(emu: Any, figures: Any) -> None:
    """A plain (not gzipped) chunk body past the 50 MB limit: 413, and the server keeps serving."""
    body = b"x" * (50 * 1024 * 1024 + 1)
    with _api(emu) as api:
        response = api.put(
            f"{MB}/files/{SALES_FILE}/chunks/0",
            content=body,
            headers={"Content-Type": "application/octet-stream"},
            timeout=60,
        )
        assert response.status_code == 413, response.status_code
        # Whatever chunk 0 holds now (the file's default content), it is not the refused body.
        stored = api.get(f"{MB}/files/{SALES_FILE}/chunks/0")
        assert len(stored.content) < 1024 * 1024 and not stored.content.startswith(b"xxxx")
    figures.hardening_check(
        check="uncompressed chunk of 50 MiB + 1 byte",
        probes=1,
        result=f"{response.status_code}; nothing stored",
    )


def test_device_activation_needs_the_users_password(emu: Any, figures: Any) -> None:
    """The /activate page must not approve a device code for anyone who lacks the password."""
    origin = emu.oauth_url
    grant = httpx2.post(f"{origin}/oauth/device/code", data={"client_id": "c" * 32}, timeout=10)
    assert grant.status_code == 200, grant.text
    codes = grant.json()
    attempts = {
        "no password": {"user_code": codes["user_code"], "email": "demo@pyanaplan.example"},
        "no email, no password": {"user_code": codes["user_code"]},
        "wrong password": {
            "user_code": codes["user_code"],
            "email": "analyst@pyanaplan.example",
            "password": "demo-password",  # the other user's password
        },
    }
    statuses = {}
    for label, form in attempts.items():
        response = httpx2.post(f"{origin}/activate", data=form, timeout=10)
        statuses[label] = response.status_code
        assert response.status_code in (400, 401, 403), (label, response.status_code)
    poll = httpx2.post(
        f"{origin}/oauth/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "device_code": codes["device_code"],
            "client_id": "c" * 32,
        },
        timeout=10,
    )
    assert poll.status_code == 400 and "access_token" not in poll.text, poll.text
    figures.hardening_check(
        check="device activation page without the user's password",
        probes=len(attempts) + 1,
        result=f"{statuses}; the device stayed unapproved ({poll.json().get('error')})",
    )


def test_control_api_refuses_non_loopback_clients(emu: Any, figures: Any) -> None:
    """`/__emulator__/` is for loopback clients only. A non-loopback client is simulated with
    X-Forwarded-For, which uvicorn honours from 127.0.0.1 only (tests stay on loopback)."""
    remote = {"X-Forwarded-For": "203.0.113.9"}
    routes = [
        (method, getattr(route, "path", ""))
        for route in emu.app.routes
        if getattr(route, "path", "").startswith("/__emulator__/")
        for method in sorted(getattr(route, "methods", None) or [])
        if method != "HEAD"
    ]
    assert len(routes) >= 8, routes
    statuses = {}
    for method, template in routes:
        path = re.sub(r"{[^}]+}", "X", template)
        response = httpx2.request(
            method,
            f"{emu.origin}{path}",
            headers={**remote, **emu.control_headers},
            json={},
            timeout=10,
        )
        statuses[f"{method} {template}"] = response.status_code
    refused = {k: v for k, v in statuses.items() if v == 403}
    # The same request from loopback itself is served (the guard is what refused it).
    served = httpx2.get(
        f"{emu.origin}/__emulator__/requests", headers=emu.control_headers, timeout=10
    )
    assert served.status_code == 200
    figures.hardening_check(
        check="control API from a non-loopback client (X-Forwarded-For)",
        probes=len(routes),
        result=f"{len(refused)}/{len(routes)} refused with 403",
    )
    assert refused == statuses, {k: v for k, v in statuses.items() if v != 403}


# ---- hostile values: control API and request bodies (issue 10 items 7 and 8) ---------------------
HOSTILE_NUMBERS = [b"NaN", b"Infinity", b"-Infinity", b"1e999", b"-1e999", b"1e308", b"-1"]
HOSTILE_NUMBERS += [b'"1"', b"null", b"true", b"[]", b"{}", b"1" + b"0" * 5000, b"2.5"]
CONTROL_FIELDS = {
    "clock": ["advance_s"],
    "task-timing": ["steps", "step_s"],
    "bandwidth": ["request_bps", "response_bps"],
    "oauth": ["interval_s"],
    "faults": ["times", "fraction", "delay_s", "retry_after", "status"],
    "crash-points": ["point"],
    "rejected-rows": ["successful"],
}
DEEP = b"[" * 50_000 + b"]" * 50_000


def _control_probe(emu: Any, api: httpx2.Client, name: str, body: bytes) -> tuple[int, str]:
    """POST one hostile control body; returns (status, problem or '').

    A refused value must leave the emulator serving as before. A legal value that was accepted
    (2.5 bytes per second is a legal, if slow, cap) is undone by a reset before the check.
    """
    response = httpx2.post(
        f"{emu.origin}/__emulator__/{name}", content=body, headers=emu.control_headers, timeout=10
    )
    problem = ""
    if response.status_code >= 500:
        problem = f"{response.status_code} for {name} {body[:60]!r}"
    if response.status_code < 400:
        emu.reset()
        api.headers["Authorization"] = f"AnaplanAuthToken {_token(emu)}"
    if not problem and api.get("/2/0/users/me").status_code != 200:
        problem = f"server broken after {name} {body[:60]!r} ({response.status_code})"
    return response.status_code, problem


@pytest.mark.parametrize(
    "per_endpoint",
    [pytest.param(1, id="fast"), pytest.param(99, id="full", marks=pytest.mark.slow)],
)
def test_hostile_control_values_never_break_the_emulator(
    emu: Any, figures: Any, per_endpoint: int
) -> None:
    """Numeric control fields (the first of each endpoint in the fast run, all in the full one)
    with NaN, ±Infinity, 1e999, huge, negative, wrong-typed and nested values: a 4xx (or a legal
    value accepted), never a 500, and later requests still work. ``{"advance_s": NaN}`` used to
    make every later request a 500 until restart."""
    statuses: set[int] = set()
    problems: list[str] = []
    probes = 0
    with _api(emu) as api:
        for name, all_fields in CONTROL_FIELDS.items():
            fields = all_fields[:per_endpoint]
            base = b'"status": 500, ' if name == "faults" else b""
            for field_name in fields:
                for value in [*HOSTILE_NUMBERS, b"[" * 200 + b"]" * 200]:
                    body = b"{" + base + b'"' + field_name.encode() + b'": ' + value + b"}"
                    status, problem = _control_probe(emu, api, name, body)
                    probes += 1
                    statuses.add(status)
                    if problem:
                        problems.append(problem)
            status, problem = _control_probe(emu, api, name, DEEP)
            probes += 1
            statuses.add(status)
            if problem:
                problems.append(problem)
    figures.hardening_check(
        check="hostile control-API values (NaN, ±Infinity, 1e999, 5000-digit, negative, "
        "wrong types, 50,000-level nesting) on "
        + ("every control field" if per_endpoint > 1 else "one field per control endpoint"),
        probes=probes,
        result=f"{len(problems)} 5xx or broken-server results; statuses {sorted(statuses)}",
    )
    assert not problems, "\n".join(problems[:20])
    assert 400 in statuses


def test_control_requests_from_web_pages_are_refused(emu: Any, figures: Any) -> None:
    """What a page the developer has open could send to a local emulator: simple cross-site
    POSTs (form and text bodies, no token) and requests marked by the browser. None may act."""
    emu.inject(path="/never/matches", status=500, times=3)  # a reset would remove it
    page_requests = [
        ("text/plain, no token", {"Content-Type": "text/plain"}),
        ("form, no token", {"Content-Type": "application/x-www-form-urlencoded"}),
        ("JSON, no token", {"Content-Type": "application/json"}),
        ("with token, Origin", {**emu.control_headers, "Origin": "https://evil.example"}),
        ("with token, Sec-Fetch-Site", {**emu.control_headers, "Sec-Fetch-Site": "cross-site"}),
        ("with token, text/plain", {**emu.control_headers, "Content-Type": "text/plain"}),
    ]
    statuses = {}
    for label, headers in page_requests:
        for path in ("reset", "faults", "clock"):
            body = b'{"status": 500, "times": 9}' if path == "faults" else b'{"advance_s": 60}'
            response = httpx2.post(
                f"{emu.origin}/__emulator__/{path}", content=body, headers=headers, timeout=10
            )
            statuses[f"{label} -> {path}"] = response.status_code
    faults = [(f["path"], f["active"]) for f in emu.app.state.platform.control.faults()]
    untouched = faults == [("/never/matches", True)]  # not reset, not switched off, no new rule
    figures.hardening_check(
        check="control API requests a web page could send (no token, form/text bodies, "
        "Origin, Sec-Fetch-Site)",
        probes=len(statuses),
        result=f"statuses {sorted(set(statuses.values()))}; emulator state unchanged: "
        f"{untouched and emu.app.state.platform.clock.offset_s == 0}",
    )
    assert all(s in (401, 403, 415) for s in statuses.values()), statuses
    assert untouched and emu.app.state.platform.clock.offset_s == 0
    emu.reset()  # the marker rule was never meant to fire (the emu fixture checks that faults did)


HOSTILE_BODIES = [
    ("50,000-level array", DEEP),
    ("50,000-level object", b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
    ("chunkCount 1e999", b'{"chunkCount": 1e999}'),
    ("chunkCount -Infinity", b'{"chunkCount": -Infinity}'),
    ("chunkCount NaN", b'{"chunkCount": NaN}'),
    ("localeName not a string", b'{"localeName": 5}'),
    ("mappingParameters not a list", b'{"localeName": "en_US", "mappingParameters": "x"}'),
    ("mapping entry without entityName", b'{"mappingParameters": [{"entityType": "Version"}]}'),
]


def test_hostile_bodies_on_file_and_task_posts_are_400(emu: Any, figures: Any) -> None:
    targets = {
        "file POST": f"{MB}/files/{SALES_FILE}",
        "task POST": f"{MB}/imports/{SALES_IMPORT}/tasks",
        "v1.3 file POST": f"/1/3/workspaces/{WS}/models/{MODEL}/files/{SALES_FILE}",
    }
    results: dict[str, int] = {}
    with _api(emu) as api:
        tasks_before = api.get(f"{MB}/imports/{SALES_IMPORT}/tasks").json().get("tasks", [])
        for label, body in HOSTILE_BODIES:
            for target, path in targets.items():
                if "chunkCount" in label and target == "task POST":
                    continue  # chunkCount means nothing to a task (ignored, like any unknown)
                if ("locale" in label or "mapping" in label) and target != "task POST":
                    continue
                headers = {"Content-Type": "application/json"}
                if path.startswith("/1/3"):  # the v1.3 tree signs in with Basic per request
                    response = httpx2.post(
                        f"{emu.api_url}{path}",
                        content=body,
                        headers=headers,
                        auth=emu.users[0],
                        timeout=30,
                    )
                else:
                    response = api.post(path, content=body, headers=headers)
                results[f"{label} on {target}"] = response.status_code
                if response.status_code == 400:
                    envelope = response.json()
                    assert envelope["status"]["code"] == 400 and envelope["path"] == path
        tasks_after = api.get(f"{MB}/imports/{SALES_IMPORT}/tasks").json().get("tasks", [])
        assert api.get(f"{MB}/files").status_code == 200
    figures.hardening_check(
        check="hostile JSON on file and task POSTs (deep nesting, non-finite chunkCount, "
        "wrong-typed localeName / mappingParameters)",
        probes=len(results),
        result=f"statuses {sorted(set(results.values()))}; tasks started: "
        f"{len(tasks_after) - len(tasks_before)}",
    )
    assert set(results.values()) == {400}, results
    assert tasks_after == tasks_before


# ---- simultaneous creates of one file name (issue 10 item 10) ------------------------------------
def _create_race(emu: Any, name: str, users: list[int]) -> list[str]:
    tokens = [_token(emu, u) for u in users]
    barrier = threading.Barrier(len(tokens))
    ids: list[str] = []
    failures: list[str] = []

    def create(token: str) -> None:
        with httpx2.Client(
            base_url=emu.api_url,
            headers={"Authorization": f"AnaplanAuthToken {token}"},
            timeout=30,
        ) as client:
            client.get("/2/0/users/me")  # connected before the barrier
            barrier.wait(timeout=20)
            response = client.post(f"{MB}/files/{name}", json={"chunkCount": -1})
            if response.status_code == 200:
                ids.append(response.json()["file"]["id"])
            else:
                failures.append(f"{response.status_code} {response.text[:100]}")

    threads = [threading.Thread(target=create, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    return ids


@pytest.mark.parametrize(
    "rounds",
    [pytest.param(3, id="fast"), pytest.param(30, id="full", marks=pytest.mark.slow)],
)
def test_simultaneous_file_creates_make_one_file(emu: Any, figures: Any, rounds: int) -> None:
    """Eight simultaneous `POST files/{name}` per round (two users in the full run's odd
    rounds): each user ends with exactly one file of that name."""
    duplicates = 0
    requests = 0
    for n in range(rounds):
        users = [0] * 8 if n % 2 == 0 else [0, 1] * 4
        name = f"Race {n}.csv"
        ids = _create_race(emu, name, users)
        requests += len(users)
        for user in set(users):
            with _api(emu, user) as api:
                files = api.get(f"{MB}/files").json()["files"]
            same = [f for f in files if f["name"] == name]
            duplicates += len(same) - 1
            assert len(same) == 1, (n, user, same)
        assert len(set(ids)) == len(set(users)), (n, ids)
    figures.hardening_check(
        check=f"simultaneous POST files/{{name}} ({rounds} rounds of 8 concurrent requests, "
        "one or two users)",
        probes=requests,
        result=f"{duplicates} duplicate files",
    )
