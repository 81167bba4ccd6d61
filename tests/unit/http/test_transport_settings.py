"""The httpx2 client built from Settings: User-Agent, timeouts, TLS and proxy configuration."""

from __future__ import annotations

import platform
import ssl
from pathlib import Path

import pytest

import pyanaplan
from certs import run_ca
from pyanaplan._config import load_settings
from pyanaplan.errors import ConfigError
from pyanaplan.http._transport import (
    USER_AGENT,
    _verify,
    build_httpx_client,
    proxy_for,
    timeout_for,
)


def test_user_agent_names_pyanaplan_and_python() -> None:
    assert f"pyanaplan/{pyanaplan.__version__} python/{platform.python_version()}" == USER_AGENT
    with build_httpx_client(load_settings()) as client:
        assert client.headers["User-Agent"] == USER_AGENT


def test_default_and_per_call_timeouts() -> None:
    settings = load_settings()
    t = timeout_for(settings)
    assert (t.connect, t.read, t.write) == (10.0, 60.0, 60.0)
    long = timeout_for(settings, 600)
    assert (long.connect, long.read) == (10.0, 600)
    assert timeout_for(load_settings(timeout_s=5)).read == 5


def test_verification_modes(tmp_path: Path) -> None:
    assert _verify(load_settings()) is True
    assert _verify(load_settings(verify=False)) is False
    with pytest.raises(ConfigError):
        _verify(load_settings(ca_bundle=str(tmp_path / "missing.pem")))
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate")
    with pytest.raises(ConfigError):
        _verify(load_settings(ca_bundle=str(bad)))


def test_ca_bundle_builds_an_ssl_context(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    run_ca().cert_pem.write_to_path(str(bundle))
    context = _verify(load_settings(ca_bundle=str(bundle)))
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    # The bundle's CA, and only it, is trusted: no system store mixed in.
    expected = ssl.PEM_cert_to_DER_cert(bundle.read_text())
    assert context.get_ca_certs(binary_form=True) == [expected]


def test_proxy_for_follows_explicit_proxy_env_and_no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    for name in ("all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    url = "https://api.anaplan.com/2/0/workspaces"
    assert proxy_for(load_settings(), url) is None
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    assert proxy_for(load_settings(), url) == "http://proxy.corp:3128"
    assert proxy_for(load_settings(trust_env=False), url) is None
    assert proxy_for(load_settings(proxy="http://other:8080"), url) == "http://other:8080"
    monkeypatch.setenv("NO_PROXY", "anaplan.com")
    assert proxy_for(load_settings(), url) is None
