"""Errors a user meets: each is one sentence, an accurate hint and the documented exit code."""

from __future__ import annotations

import socket
from pathlib import Path

from certs import issue

SALES_IMPORT = "Sales from Sales.csv"


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---- local files --------------------------------------------------------------------------


def test_a_target_under_a_file_is_a_usage_error(cli, tmp_path: Path) -> None:
    blocker = tmp_path / "report.csv"
    blocker.write_text("not a directory\n")
    run = cli("download", "Regions.csv", "-O", str(blocker / "inside.csv"))
    assert run.exit_code == 2, run
    error = run.json()["error"]
    assert error["code"] == "local_file"
    assert str(blocker / "inside.csv") in error["message"]
    assert "is a file, not a directory" in error["hint"]
    assert "disk space" not in error["hint"] and "bug" not in error["hint"]


def test_an_unreadable_upload_source_is_a_usage_error(cli, tmp_path: Path) -> None:
    fifo_dir = tmp_path / "dir.csv"
    fifo_dir.mkdir()
    run = cli("import", SALES_IMPORT, "--upload", str(fifo_dir))
    assert run.exit_code == 2, run
    assert "is a directory" in run.stderr


def test_an_unwritable_config_directory_is_a_usage_error(cli, tmp_path: Path, monkeypatch) -> None:
    blocker = tmp_path / "config"
    blocker.write_text("a file where the config directory should be\n")
    monkeypatch.setenv("ANAPLAN_CONFIG_DIR", str(blocker / "pyanaplan"))
    run = cli("config", "set", "prod", "region=EU1")
    assert run.exit_code == 2, run
    assert run.json()["error"]["code"] == "local_file"
    assert "bug" not in run.stderr and "Traceback" not in run.stderr


# ---- settings -----------------------------------------------------------------------------


def test_a_bad_proxy_is_a_usage_error(cli) -> None:
    run = cli("--proxy", "not a url::", "files")
    assert run.exit_code == 2, run
    error = run.json()["error"]
    assert error["code"] == "config"
    assert "proxy" in error["message"] and "--proxy" in error["hint"]
    assert "bug" not in run.stderr


def test_login_without_a_client_id_says_so(cli, monkeypatch) -> None:
    monkeypatch.delenv("ANAPLAN_USER")
    monkeypatch.delenv("ANAPLAN_PASSWORD")
    run = cli("login")
    assert run.exit_code == 2, run
    assert "OAuth client ID" in run.json()["error"]["message"]
    assert "--client-id" in run.json()["error"]["hint"]


def test_key_password_hints_name_what_exists(cli, tmp_path: Path, monkeypatch) -> None:
    kit = issue("me@example.com")
    cert_path = tmp_path / "cert.pem"
    cert_path.write_bytes(kit.cert_pem)
    key_path = tmp_path / "key.pem"
    key_path.write_bytes(kit.key_bytes("pem", "pkcs8", b"passphrase"))
    monkeypatch.delenv("ANAPLAN_USER")
    monkeypatch.delenv("ANAPLAN_PASSWORD")
    run = cli("--cert", str(cert_path), "--key", str(key_path), "whoami")
    assert run.exit_code == 2, run
    hint = run.json()["error"]["hint"]
    assert "ANAPLAN_KEY_PASSWORD" in hint and "--key-password" not in hint

    monkeypatch.setenv("ANAPLAN_KEY_PASSWORD", "wrong")
    wrong = cli("--cert", str(cert_path), "--key", str(key_path), "whoami")
    assert wrong.exit_code == 2, wrong
    assert "--key-password" not in wrong.stderr and "ANAPLAN_KEY_PASSWORD" in wrong.stderr


def test_https_to_a_plain_http_server_did_not_speak_tls(cli, emu) -> None:
    https = emu.api_url.replace("http://", "https://")
    run = cli("--api-url", https, "--auth-url", https, "whoami", point=False)
    assert run.exit_code == 5, run
    assert "did not speak TLS" in run.json()["error"]["message"]
    assert emu.api_url in run.json()["error"]["hint"]


# ---- the server's answers -----------------------------------------------------------------


def test_a_file_name_anaplan_refuses_is_a_usage_error(cli, tmp_path: Path) -> None:
    source = tmp_path / "a.csv"
    source.write_text("a,b\n1,2\n")
    name = "x" * 300 + ".csv"
    run = cli("upload", str(source), "--file", name, "--create")
    assert run.exit_code == 2, run
    error = run.json()["error"]
    assert error["code"] == "bad_request"
    assert "name is too long" in error["message"] and "304 characters" in error["message"]
    assert "retry" not in error["hint"]
    assert len(error["message"]) < 200  # one readable sentence, not the 300-character URL


def test_an_unknown_task_id_says_no_task(cli) -> None:
    for command in ("task", "cancel"):
        run = cli(command, "import", SALES_IMPORT, "0123456789ABCDEF0123456789ABCDEF")
        assert run.exit_code == 4, run
        message = run.json()["error"]["message"]
        assert "has no task 0123456789ABCDEF0123456789ABCDEF" in message, command
        assert "tasks import" in run.json()["error"]["hint"]


def test_download_and_delete_hints_do_not_suggest_create(cli) -> None:
    for command in ("download", "delete", "chunks"):
        run = cli(command, "Nope.csv")
        assert run.exit_code == 4, run
        assert "create" not in run.json()["error"]["hint"].lower(), command
    upload_hint = cli("upload", "-", "--file", "Nope.csv", input="a\n").json()["error"]["hint"]
    assert "--create" in upload_hint  # where creating is possible, it is still offered


# ---- retries are a debug matter ------------------------------------------------------------


def test_an_unreachable_server_prints_one_error_not_every_retry(cli) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    args = ("--api-url", url, "--auth-url", url, "--retry-deadline", "2", "whoami")
    run = cli(*args, point=False)
    assert run.exit_code == 5, run
    assert [line.split(":")[0] for line in lines(run.stderr)] == ["Error", "Hint"], run.stderr

    verbose = cli(*args, "-v", point=False)
    assert verbose.exit_code == 5, verbose
    retries = [line for line in lines(verbose.stderr) if "ConnectError; retry" in line]
    assert len(retries) >= 2  # -v shows each one
