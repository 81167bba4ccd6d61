"""v1.3 `AnaplanCertificate base64(email:PEM)` authentication (api-notes §3.3).

The scheme is configurable per spec (`settings.legacy_certificate_auth`): `accept` it, or answer
401 "Auth scheme not supported - AnaplanCertificate" as production has done since 2022.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx2
import pytest

from certs import issue_pem
from pyanaplan.emulator import Emulator, load_spec

pytestmark = pytest.mark.timeout(60)

USER, ANALYST = "demo@pyanaplan.example", "analyst@pyanaplan.example"
WS = "8a81b09d5e3f2c1a015e3f2c1a000001"


def make_certificate(common_name: str, *, days: int = 30) -> str:
    """A throwaway certificate as PEM text."""
    return issue_pem(common_name, valid_days=days)


def certificate_header(email: str, pem: str) -> dict[str, str]:
    value = base64.b64encode(f"{email}:{pem}".encode()).decode()
    return {"Authorization": f"AnaplanCertificate {value}"}


@pytest.fixture(scope="module")
def pem() -> str:
    return make_certificate("demo@pyanaplan.example")


@pytest.fixture(scope="module")
def other_pem() -> str:
    return make_certificate("nobody")


def test_registered_certificate_authenticates_every_request(emu, pem: str) -> None:
    emu.register_certificate(USER, pem)
    base = f"{emu.api_url}/1/3"
    headers = certificate_header(USER, pem)
    workspaces = httpx2.get(f"{base}/workspaces/", headers=headers, timeout=10)
    assert workspaces.status_code == 200
    assert [w["guid"] for w in workspaces.json()] == [WS]
    models = httpx2.get(f"{base}/workspaces/{WS}/models", headers=headers, timeout=10)
    assert models.status_code == 200 and len(models.json()) == 2


def test_certificate_must_belong_to_the_named_user(emu, pem: str, other_pem: str) -> None:
    emu.register_certificate(USER, pem)
    url = f"{emu.api_url}/1/3/workspaces/"
    # Someone else's name with the demo user's certificate.
    assert httpx2.get(url, headers=certificate_header(ANALYST, pem), timeout=10).status_code == 401
    # A certificate nobody registered.
    assert (
        httpx2.get(url, headers=certificate_header(USER, other_pem), timeout=10).status_code == 401
    )
    # Not a certificate at all, and not even base64.
    garbage = {"Authorization": "AnaplanCertificate " + base64.b64encode(b"x:y").decode()}
    assert httpx2.get(url, headers=garbage, timeout=10).status_code == 401
    assert (
        httpx2.get(url, headers={"Authorization": "AnaplanCertificate %%%"}, timeout=10).status_code
        == 401
    )


@pytest.fixture(scope="module")
def rejecting_emulator() -> Iterator[Emulator]:
    """A second emulator whose spec turns the v1.3 certificate scheme off (production today)."""
    spec = load_spec(None)
    settings = spec.settings.model_copy(update={"legacy_certificate_auth": "reject"})
    spec = spec.model_copy(update={"settings": settings})
    with Emulator(spec=spec) as emu:
        yield emu


def test_rejected_scheme_answers_the_production_message(
    rejecting_emulator: Emulator, pem: str
) -> None:
    rejecting_emulator.register_certificate(USER, pem)
    response = httpx2.get(
        f"{rejecting_emulator.api_url}/1/3/workspaces/",
        headers=certificate_header(USER, pem),
        timeout=10,
    )
    assert response.status_code == 401
    assert response.json()["status"]["message"] == "Auth scheme not supported - AnaplanCertificate"
    # Basic still works there.
    basic = base64.b64encode(b"demo@pyanaplan.example:demo-password").decode()
    ok = httpx2.get(
        f"{rejecting_emulator.api_url}/1/3/workspaces/",
        headers={"Authorization": f"Basic {basic}"},
        timeout=10,
    )
    assert ok.status_code == 200
