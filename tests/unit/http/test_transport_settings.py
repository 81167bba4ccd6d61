"""The httpx2 client built from Settings: User-Agent, timeouts, TLS and proxy configuration."""

from __future__ import annotations

import platform
import ssl
from pathlib import Path

import pytest

import pyanaplan
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
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    context = _verify(load_settings(ca_bundle=str(bundle)))
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert any(c.get("subject") == ((("commonName", "Test CA"),),) for c in context.get_ca_certs())


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
