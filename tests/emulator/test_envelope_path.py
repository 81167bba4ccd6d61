"""The error envelope's `path` is the path as requested, trailing slash included.

Anaplan's 4xx/5xx body echoes the request path (`{"status":…,"path":…,"timestamp":…}`,
OpenAPI `ErrorResponse`; docs/api-notes.md api-notes §2.4). The emulator serves `…/imports/` like
`…/imports` (Postman's trailing slash), but that is routing, not what the client asked for: the
envelope must not report a different path than the one the client sent.
"""

from __future__ import annotations

import httpx2
import pytest
from emu_http import BASE, DEMO, MODEL, WS, Api, basic


def envelope_path(response: httpx2.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"]["code"] == status
    return body["path"]


@pytest.mark.parametrize(
    "path",
    [
        f"{BASE}/exports/116999999999/",  # unknown object
        f"{BASE}/nothing-here/",  # unknown route
        "/2/0/nowhere/",
        f"{BASE}/imports/112000000001/tasks/{'0' * 32}/",  # unknown task
    ],
)
def test_404_keeps_the_trailing_slash(api: Api, path: str) -> None:
    assert envelope_path(api.get(path), 404) == path


def test_405_keeps_the_trailing_slash(api: Api) -> None:
    path = f"{BASE}/imports/"
    assert envelope_path(api.request("PATCH", path), 405) == path
    # The workspace-form model URL is 405 live (OpenAPI getModel is the short form only).
    path = f"/2/0/workspaces/{WS}/models/{MODEL}/"
    assert envelope_path(api.get(path), 405) == path


def test_401_and_400_keep_the_trailing_slash(raw: httpx2.Client, api: Api) -> None:
    assert envelope_path(raw.get("/2/0/users/me/"), 401) == "/2/0/users/me/"
    path = "/2/0/models/"
    assert envelope_path(api.get(path, params={"sort": "name"}), 400) == path


def test_injected_faults_echo_the_requested_path(emu, api: Api) -> None:
    emu.inject(path="*/imports", method="GET", status=503, times=1)  # rules match either form
    path = f"{BASE}/imports/"
    assert envelope_path(api.get(path), 503) == path


def test_paths_without_a_trailing_slash_are_unchanged(api: Api) -> None:
    path = f"{BASE}/exports/116999999999"
    assert envelope_path(api.get(path), 404) == path


def test_legacy_errors_keep_the_trailing_slash(raw: httpx2.Client) -> None:
    assert envelope_path(raw.get("/1/3/workspaces/"), 401) == "/1/3/workspaces/"
    path = f"/1/3/workspaces/{WS}/models/{MODEL}/nothing/here/"
    assert envelope_path(raw.get(path, headers={"Authorization": basic(DEMO)}), 404) == path
