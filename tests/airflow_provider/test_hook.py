"""`AnaplanHook` signs in with every kind of connection, against the emulator.

Basic and certificate connections are checked with the hook's own `test_connection` (the
connection form's Test button); refresh-token connections inside DAG runs, since the rotated
token is kept in an Airflow Variable, which only a running task may write.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from afhelpers import conn_json

from certs import issue
from pyanaplan import Client, DeviceCode, MemoryTokenStore
from pyanaplan.airflow import AnaplanHook

CLIENT_ID = "0123456789abcdef0123456789abcdef"


def certificate_conn(emu: Any, **extra: Any) -> str:
    data = json.loads(conn_json(emu))
    data.pop("login"), data.pop("password")
    data["extra"].update(extra)
    return json.dumps(data)


def test_basic_connection_signs_in(emu: Any, anaplan_conn: str) -> None:
    ok, message = AnaplanHook(anaplan_conn).test_connection()
    assert ok and message == f"Signed in to Anaplan as {emu.users[0][0]}."


def test_a_wrong_password_is_reported_not_raised(emu: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    data = json.loads(conn_json(emu))
    data["password"] = "not-the-password"
    monkeypatch.setenv("AIRFLOW_CONN_ANAPLAN_BAD", json.dumps(data))
    ok, message = AnaplanHook("anaplan_bad").test_connection()
    assert not ok and "not-the-password" not in message
    assert "401" in message or "credential" in message.lower()


@pytest.mark.parametrize("form", ["pem-text", "p12-base64", "paths"])
def test_certificate_connection_signs_in(
    emu: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, form: str
) -> None:
    kit = issue(emu.users[0][0])
    emu.register_certificate(emu.users[0][0], kit.cert_pem)
    if form == "pem-text":
        extra = {"certificate": kit.cert_pem.decode(), "private_key": kit.key_bytes().decode()}
    elif form == "p12-base64":
        extra = {
            "certificate": base64.b64encode(kit.pkcs12(b"p12-pw")).decode(),
            "key_password": "p12-pw",
        }
    else:
        (tmp_path / "cert.pem").write_bytes(kit.cert_pem)
        (tmp_path / "key.pem").write_bytes(kit.key_bytes(password=b"kp"))
        extra = {
            "certificate_path": str(tmp_path / "cert.pem"),
            "private_key_path": str(tmp_path / "key.pem"),
            "key_password": "kp",
        }
    monkeypatch.setenv("AIRFLOW_CONN_ANAPLAN_CERT", certificate_conn(emu, **extra))
    ok, message = AnaplanHook("anaplan_cert").test_connection()
    assert ok, message
    auth = [r for r in emu.requests() if r["path"] == "/token/authenticate"]
    assert [r["status"] for r in auth] == [201]


def test_machine_settings_do_not_leak_into_the_connection(
    emu: Any, anaplan_conn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A token and a region in the worker's environment must not replace the connection's own.
    monkeypatch.setenv("ANAPLAN_TOKEN", "machine-token")
    monkeypatch.setenv("ANAPLAN_REGION", "EU1")
    with AnaplanHook(anaplan_conn) as client:
        assert client.settings.token is None and client.settings.api_url == emu.api_url
        assert client.whoami().email == emu.users[0][0]


def refresh_token(emu: Any) -> str:
    """A refresh token from a device login approved on the emulator."""
    emu.set_oauth_interval(0.05)
    store = MemoryTokenStore()

    def approve(code: DeviceCode) -> None:
        emu.approve_device(code.user_code)

    with Client(
        api_url=emu.api_url, auth_url=emu.auth_url, oauth_url=emu.oauth_url,
        oauth_client_id=CLIENT_ID, on_device_code=approve, token_store=store,
    ) as client:  # fmt: skip
        client.whoami()
    token = store.load(f"{emu.oauth_url}|{CLIENT_ID}")
    assert token
    return token


def oauth_conn(emu: Any, token: str) -> str:
    data = json.loads(conn_json(emu, oauth_client_id=CLIENT_ID, refresh_token=token))
    data.pop("login"), data.pop("password")
    return json.dumps(data)


def download(task_id: str, conn_id: str, target: Path, **more: Any) -> dict[str, Any]:
    kwargs = {"anaplan_conn_id": conn_id, "file": "Products.csv", "target": str(target)}
    return {"task_id": task_id, "operator": "AnaplanDownloadOperator", "kwargs": kwargs, **more}


def test_refresh_token_connection_keeps_the_rotated_token(
    emu: Any, monkeypatch: pytest.MonkeyPatch, run_dag: Any, tmp_path: Path
) -> None:
    from airflow.models import Variable

    seed = refresh_token(emu)
    monkeypatch.setenv("AIRFLOW_CONN_ANAPLAN_OAUTH", oauth_conn(emu, seed))
    before = len(emu.requests())
    run = run_dag(
        [
            download("one", "anaplan_oauth", tmp_path / "one.csv"),
            download("two", "anaplan_oauth", tmp_path / "two.csv", after=["one"]),
        ]
    )
    assert run.state == "success"
    grants = [r for r in emu.requests()[before:] if r["path"] == "/oauth/token"]
    # Each task signed in with the newest token: the second would be refused (400) had it used
    # the seed, which the first sign-in rotated away.
    assert [r["status"] for r in grants] == [200, 200]
    kept = Variable.get("anaplan_refresh_token_anaplan_oauth")
    assert kept and kept != seed
    assert not [r for r in emu.requests()[before:] if r["path"].endswith("/device/code")]


def test_a_refused_refresh_token_fails_with_the_next_step(
    emu: Any,
    monkeypatch: pytest.MonkeyPatch,
    run_dag: Any,
    capfd: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_ANAPLAN_STALE", oauth_conn(emu, "stale-refresh-token"))
    run = run_dag([download("get", "anaplan_stale", tmp_path / "p.csv")])
    assert run.state == "failed"
    logged = capfd.readouterr()
    out = logged.out + logged.err
    assert (
        "AuthenticationError: Anaplan refused the refresh token of connection 'anaplan_stale'"
        in out
    )
    assert "stale-refresh-token" not in out  # masked
    approvals = [r for r in emu.requests() if r["path"] == "/oauth/token" and r["status"] == 200]
    assert approvals == []
