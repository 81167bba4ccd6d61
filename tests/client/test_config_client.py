"""Client configuration end to end: profiles + environment, missing credentials, TLS settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from pyanaplan import Client, ConfigError, TransportError, save_profile

SALES_ID = "5B2E6F0C8A7D4E1F9C3B2A1D0E9F8C7B"


def test_profile_and_env_drive_the_client(emu: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    user, password = emu.users[0]
    save_profile(
        "emu",
        {
            "api_url": emu.api_url,
            "auth_url": emu.auth_url,
            "oauth_url": emu.oauth_url,
            "user": user,
            "password": password,  # dropped: never written
            "workspace": "Demo Workspace",
            "model": "Finance Sandbox",
        },
    )
    monkeypatch.setenv("ANAPLAN_PASSWORD", password)
    monkeypatch.setenv("ANAPLAN_MODEL", "Sales Planning")  # env beats the profile
    with Client("emu") as c:
        assert c.settings.profile == "emu"
        assert c.model().id == SALES_ID
        assert c.model(model="Finance Sandbox").name == "Finance Sandbox"  # argument beats env


def test_no_credentials_is_config_error(emu: Any) -> None:
    with pytest.raises(ConfigError) as info:
        Client(api_url=emu.api_url, auth_url=emu.auth_url)
    assert "ANAPLAN_USER" in info.value.hint


def test_user_without_password_is_config_error(emu: Any) -> None:
    with pytest.raises(ConfigError, match="No password"):
        Client(api_url=emu.api_url, auth_url=emu.auth_url, user="someone@example.com")


def test_missing_workspace_default_is_config_error(make_client: Any, emu: Any) -> None:
    user, password = emu.users[0]
    c = make_client(user=user, password=password)
    with pytest.raises(ConfigError, match="No model given"):
        c.files()


def test_bad_ca_bundle_path_is_config_error(emu: Any, tmp_path: Any) -> None:
    user, password = emu.users[0]
    with pytest.raises(ConfigError, match="CA bundle"):
        Client(api_url=emu.api_url, user=user, password=password, ca_bundle=tmp_path / "none.pem")


@pytest.fixture(scope="module")
def tls_emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from pyanaplan.emulator import Emulator

    with Emulator(data_dir=tmp_path_factory.mktemp("emu-tls"), tls=True) as emu:
        yield emu


def test_tls_verification_failure_hints_at_ca_bundle(tls_emu: Any) -> None:
    user, password = tls_emu.users[0]
    assert tls_emu.api_url.startswith("https://")
    with (
        Client(
            api_url=tls_emu.api_url, auth_url=tls_emu.auth_url, user=user, password=password
        ) as c,
        pytest.raises(TransportError) as info,
    ):
        c.whoami()
    assert "--ca-bundle" in info.value.hint
    assert password not in str(info.value)


def test_tls_with_ca_bundle_works_for_login_and_api(tls_emu: Any) -> None:
    tls_emu.reset()
    user, password = tls_emu.users[0]
    with Client(
        api_url=tls_emu.api_url,
        auth_url=tls_emu.auth_url,
        user=user,
        password=password,
        ca_bundle=tls_emu.ca_path,
    ) as c:
        assert c.whoami().email == user
        assert [w.name for w in c.workspaces()] == ["Demo Workspace"]


class _CountingProxy:
    """A minimal forward HTTP proxy on loopback that counts what it relays."""

    def __init__(self) -> None:
        import http.client
        import socketserver
        import threading

        self.seen: list[str] = []
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                line = self.rfile.readline().decode("latin-1").strip()
                if not line:
                    return
                method, target, _ = line.split(" ", 2)
                headers: dict[str, str] = {}
                while (raw := self.rfile.readline().decode("latin-1").strip()) != "":
                    key, _, value = raw.partition(":")
                    headers[key.strip()] = value.strip()
                body = self.rfile.read(int(headers.get("Content-Length", "0") or 0))
                outer.seen.append(f"{method} {target}")
                url = httpx2.URL(target)
                conn = http.client.HTTPConnection(url.host, url.port, timeout=10)
                path = url.raw_path.decode()
                headers.pop("Proxy-Connection", None)
                conn.request(method, path, body=body or None, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                self.wfile.write(f"HTTP/1.1 {resp.status} {resp.reason}\r\n".encode())
                for key, value in resp.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.wfile.write(f"{key}: {value}\r\n".encode())
                self.wfile.write(
                    f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode()
                )
                self.wfile.write(data)
                conn.close()

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_explicit_proxy_carries_login_and_api_calls(emu: Any) -> None:
    proxy = _CountingProxy()
    try:
        user, password = emu.users[0]
        with Client(
            api_url=emu.api_url, auth_url=emu.auth_url, user=user, password=password,
            proxy=proxy.url,
        ) as c:  # fmt: skip
            assert c.whoami().email == user
        assert f"POST {emu.auth_url}/token/authenticate" in proxy.seen
        assert f"GET {emu.api_url}/2/0/users/me" in proxy.seen
        assert f"POST {emu.auth_url}/token/logout" in proxy.seen
    finally:
        proxy.close()
