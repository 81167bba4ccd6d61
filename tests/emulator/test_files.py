"""Files over HTTP: per-user content, chunks, gzip, limits, single PUT, delete, expiry."""

from __future__ import annotations

import gzip
import json
import threading
import zlib

import httpx2
from emu_http import BASE, REGIONS_FILE, SALES_FILE, SHORT, Api, make_api

OCTET = {"Content-Type": "application/octet-stream"}
GZ = {"Content-Type": "application/x-gzip"}


def files_by_id(api: Api, base: str = BASE) -> dict[str, dict]:
    return {f["id"]: f for f in api.json_ok("GET", f"{base}/files")["files"]}


def test_file_list_envelope_and_default_content(api: Api) -> None:
    body = api.json_ok("GET", f"{BASE}/files")
    assert body["status"] == {"code": 200, "message": "Success"}
    assert (
        body["meta"]["schema"] == f"https://api.anaplan.com//2/0/models/{BASE[-32:]}/objects/file"
    )
    assert body["meta"]["paging"]["totalSize"] == len(body["files"])
    files = {f["id"]: f for f in body["files"]}
    regions = files[REGIONS_FILE]
    assert regions["name"] == "Regions.csv"
    assert regions["chunkCount"] == 1  # default content
    assert {"delimiter", "encoding", "separator", "format", "headerRow", "firstDataRow"} <= set(
        regions
    )
    export = files["116000000001"]
    assert not {"delimiter", "encoding", "format", "separator"} & set(export)
    assert export["chunkCount"] == 0
    r = api.get(f"{BASE}/files/{REGIONS_FILE}")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.content.startswith(b"Name,Code\nNorth America,NAM")


def test_chunked_upload_out_of_order_gzip_and_complete(api: Api) -> None:
    parts = [b"Name,Code\n", b"Atlantis,ATL\n", b"Lemuria,LEM\n"]
    r = api.post(f"{BASE}/files/{REGIONS_FILE}", json={"chunkCount": -1, "origin": None, "x": 1})
    assert r.status_code == 200, r.text
    assert r.json()["file"]["id"] == REGIONS_FILE
    assert r.json()["file"]["chunkCount"] == -1
    # After -1 and no chunks, the list omits the chunks key (api-notes §4.5.5).
    listing = api.json_ok("GET", f"{BASE}/files/{REGIONS_FILE}/chunks")
    assert "chunks" not in listing and listing["meta"]["paging"]["totalSize"] == 0
    for n in (2, 0):
        r = api.put(
            f"{BASE}/files/{REGIONS_FILE}/chunks/{n}", content=gzip.compress(parts[n]), headers=GZ
        )
        assert r.status_code == 204 and r.content == b"" and "content-type" not in r.headers
    listing = api.json_ok("GET", f"{BASE}/files/{REGIONS_FILE}/chunks")
    assert [c["id"] for c in listing["chunks"]] == ["0", "2"]
    # Completing with a gap is refused.
    r = api.post(f"{BASE}/files/{REGIONS_FILE}/complete", json={"id": REGIONS_FILE})
    assert r.status_code == 400 and r.json()["status"]["code"] == 400
    r = api.put(f"{SHORT}/files/{REGIONS_FILE}/chunks/1", content=parts[1], headers=OCTET)
    assert r.status_code == 204
    r = api.post(
        f"{BASE}/files/{REGIONS_FILE}/complete", json={"id": REGIONS_FILE, "chunkCount": -1}
    )
    assert r.status_code == 200 and r.json()["file"]["chunkCount"] == 3
    assert api.get(f"{BASE}/files/{REGIONS_FILE}").content == b"".join(parts)
    assert api.get(f"{BASE}/files/{REGIONS_FILE}/chunks/1").content == parts[1]
    assert files_by_id(api)[REGIONS_FILE]["chunkCount"] == 3
    chunks = api.json_ok("GET", f"{SHORT}/files/{REGIONS_FILE}/chunks")["chunks"]
    assert chunks == [{"id": str(i), "name": f"Chunk {i}"} for i in range(3)]


def test_announced_count_lists_all_chunk_ids(api: Api) -> None:
    r = api.post(f"{BASE}/files/{SALES_FILE}", json={"chunkCount": 3})
    assert r.json()["file"]["chunkCount"] == 3
    ids = [c["id"] for c in api.json_ok("GET", f"{BASE}/files/{SALES_FILE}/chunks")["chunks"]]
    assert ids == ["0", "1", "2"]


def test_single_put_then_delete_back_to_default(api: Api) -> None:
    r = api.put(f"{BASE}/files/{REGIONS_FILE}", content=b"Name,Code\nX,Y\n", headers=OCTET)
    assert r.status_code == 204
    assert files_by_id(api)[REGIONS_FILE]["chunkCount"] == 1
    assert api.get(f"{BASE}/files/{REGIONS_FILE}/chunks/0").content == b"Name,Code\nX,Y\n"
    assert api.delete(f"{BASE}/files/{REGIONS_FILE}").status_code == 204
    # Only the private content goes; the default content shows again.
    assert api.get(f"{BASE}/files/{REGIONS_FILE}").content.startswith(b"Name,Code\nNorth America")


def test_empty_file_404_and_missing_chunk_404(api: Api) -> None:
    assert api.get(f"{BASE}/files/116000000001").status_code == 404
    assert api.get(f"{BASE}/files/{REGIONS_FILE}/chunks/5").status_code == 404
    assert api.get(f"{BASE}/files/{REGIONS_FILE}/chunks/abc").status_code == 404


def test_content_is_per_user(api: Api, analyst: Api) -> None:
    api.put(f"{BASE}/files/{REGIONS_FILE}", content=b"mine", headers=OCTET)
    assert api.get(f"{BASE}/files/{REGIONS_FILE}").content == b"mine"
    assert analyst.get(f"{BASE}/files/{REGIONS_FILE}").content.startswith(b"Name,Code\nNorth")


def test_unknown_segment_creates_private_file(api: Api, analyst: Api) -> None:
    r = api.post(f"{BASE}/files/My Upload.csv", json={"chunkCount": 1})
    assert r.status_code == 200
    new = r.json()["file"]
    assert new["id"].startswith("113") and len(new["id"]) == 12 and new["id"] != "My Upload.csv"
    assert new["name"] == "My Upload.csv"
    # Same name again → same file, not another one.
    again = api.post(f"{BASE}/files/My Upload.csv", json={"chunkCount": -1}).json()["file"]
    assert again["id"] == new["id"]
    assert new["id"] in files_by_id(api)
    assert new["id"] not in files_by_id(analyst)


def test_odd_names_never_escape_data_dir(emu, api: Api) -> None:
    for name in ["..", "..%2F..%2Fetc", "Ünïcødé – ☃.csv", "a..b", "%2e%2e"]:
        r = api.post(f"{BASE}/files/{name}", json={"chunkCount": -1})
        assert r.status_code in (200, 400, 404, 405), r.text
        assert "status" in r.json()
        if r.status_code == 200:
            fid = r.json()["file"]["id"]
            assert (
                api.put(f"{BASE}/files/{fid}/chunks/0", content=b"x", headers=OCTET).status_code
                == 204
            )
    blobs = emu.data_dir / "blobs"
    for path in emu.data_dir.rglob("*"):
        assert path.resolve().is_relative_to(emu.data_dir.resolve())
        if path.is_file() and path.parent.parent == blobs:
            assert path.name.isalnum()


def test_bad_gzip_is_400_and_server_keeps_serving(api: Api) -> None:
    r = api.put(f"{BASE}/files/{REGIONS_FILE}/chunks/0", content=b"not gzip at all", headers=GZ)
    assert r.status_code == 400
    assert r.json()["status"]["code"] == 400 and r.json()["path"].endswith("/chunks/0")
    truncated = gzip.compress(b"x" * 10000)[:-12]
    assert (
        api.put(f"{BASE}/files/{REGIONS_FILE}/chunks/0", content=truncated, headers=GZ).status_code
        == 400
    )
    assert api.get(f"{BASE}/files").status_code == 200


def test_chunk_over_50mb_uncompressed_is_refused(api: Api) -> None:
    comp = zlib.compressobj(wbits=31)
    block = b"\0" * (1 << 20)
    body = b"".join(comp.compress(block) for _ in range(51)) + comp.flush()
    r = api.put(f"{BASE}/files/{REGIONS_FILE}/chunks/0", content=body, headers=GZ)
    assert r.status_code == 413
    assert r.json()["status"]["code"] == 413
    assert api.json_ok("GET", f"{BASE}/files/{REGIONS_FILE}/chunks")["chunks"] == [
        {"id": "0", "name": "Chunk 0"}
    ]


def test_multi_member_gzip_and_exact_limit(api: Api) -> None:
    body = gzip.compress(b"ab") + gzip.compress(b"cd")
    assert (
        api.put(f"{BASE}/files/{SALES_FILE}/chunks/0", content=body, headers=GZ).status_code == 204
    )
    assert api.get(f"{BASE}/files/{SALES_FILE}/chunks/0").content == b"abcd"


def test_parallel_chunk_puts(emu, api: Api) -> None:
    api.post(f"{BASE}/files/{SALES_FILE}", json={"chunkCount": -1})
    parts = [bytes([65 + i]) * 200_000 for i in range(12)]
    errors: list[object] = []

    def put(i: int) -> None:
        try:
            r = api.put(
                f"{BASE}/files/{SALES_FILE}/chunks/{i}", content=gzip.compress(parts[i]), headers=GZ
            )
            if r.status_code != 204:
                errors.append(r.status_code)
        except Exception as exc:  # surfaced by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=put, args=(i,)) for i in reversed(range(12))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    done = api.post(f"{BASE}/files/{SALES_FILE}/complete", json={"id": SALES_FILE}).json()["file"]
    assert done["chunkCount"] == 12
    assert api.get(f"{BASE}/files/{SALES_FILE}").content == b"".join(parts)
    puts = [e for e in emu.requests() if e["method"] == "PUT" and "/chunks/" in e["path"]]
    assert len(puts) == 12 and all(e["status"] == 204 for e in puts)
    assert sum(e["request_bytes"] for e in puts) == sum(len(gzip.compress(p)) for p in parts)


def test_content_expires_after_48_hours(emu, api: Api) -> None:
    api.put(f"{BASE}/files/{SALES_FILE}", content=b"fresh", headers=OCTET)
    emu.advance_clock(47 * 3600)
    with make_api(emu) as fresh:  # the old token expired long ago: sign in again
        assert fresh.get(f"{BASE}/files/{SALES_FILE}").content == b"fresh"
    emu.advance_clock(2 * 3600)
    with make_api(emu) as fresh:
        assert fresh.get(f"{BASE}/files/{SALES_FILE}").content.startswith(b"Product,Region")


def test_chunk_count_validation_and_malformed_json(api: Api) -> None:
    r = api.post(
        f"{BASE}/files/{REGIONS_FILE}",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400 and r.json()["status"]["message"].startswith("Malformed JSON")
    r = api.post(f"{BASE}/files/{REGIONS_FILE}", json={"chunkCount": "many"})
    assert r.status_code == 400
    r = api.post(f"{BASE}/files/{REGIONS_FILE}", json=[1, 2])
    assert r.status_code == 400
    r = api.put(f"{BASE}/files/{REGIONS_FILE}/chunks/-1", content=b"x", headers=OCTET)
    assert r.status_code == 400
    r = api.put(f"{BASE}/files/{REGIONS_FILE}/chunks/1000", content=b"x", headers=OCTET)
    assert r.status_code == 400


def test_unknown_and_wrong_case_ids_are_404(api: Api) -> None:
    assert (
        api.put(f"{BASE}/files/113999999999/chunks/0", content=b"x", headers=OCTET).status_code
        == 404
    )
    assert api.get(f"{BASE.lower()}/files").status_code == 404
    assert api.get(f"/2/0/models/{BASE[-32:].lower()}/files").status_code == 404
    assert api.delete(f"{BASE}/files/113999999999").status_code == 404
    r = api.get(f"{BASE}/files/{REGIONS_FILE}/chunks/0/extra")
    assert r.status_code == 404 and json.loads(r.text)["status"]["message"] == "Not Found"


def test_huge_json_body_is_413(api: Api) -> None:
    big = b'{"chunkCount": 1, "pad": "' + b"x" * (9 << 20) + b'"}'
    r = api.post(
        f"{BASE}/files/{REGIONS_FILE}", content=big, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413


def test_requests_without_token_are_401(raw: httpx2.Client) -> None:
    assert raw.get(f"{BASE}/files").status_code == 401
    r = raw.get(f"{BASE}/files", headers={"Authorization": "AnaplanAuthToken nope"})
    assert r.status_code == 401


def _create_at_once(emu, users: list[tuple[str, str]], name: str) -> list[str]:
    """POST files/{name} from one thread per entry of ``users``, released together."""
    from emu_http import sign_in

    tokens = []
    with httpx2.Client(base_url=emu.api_url, timeout=30) as client:
        for user in users:
            tokens.append(sign_in(client, user))
    barrier = threading.Barrier(len(users))
    ids: list[str] = []
    errors: list[str] = []

    def post(token: str) -> None:
        with httpx2.Client(base_url=emu.api_url, timeout=30) as client:
            headers = {"Authorization": f"AnaplanAuthToken {token}"}
            client.get("/2/0/users/me", headers=headers)  # connect before the barrier
            barrier.wait(timeout=20)
            r = client.post(f"{BASE}/files/{name}", json={"chunkCount": -1}, headers=headers)
            if r.status_code != 200:
                errors.append(r.text)
            else:
                ids.append(r.json()["file"]["id"])

    threads = [threading.Thread(target=post, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(ids) == len(users)
    return ids


def test_simultaneous_creates_of_one_name_make_one_file(emu, api: Api) -> None:
    """Eight simultaneous `POST files/{name}` used to create two to five files (issue 10 item
    10); five rounds, each with a fresh name, must each end with exactly one."""
    from emu_http import DEMO

    for round_no in range(5):
        name = f"Race {round_no}.csv"
        ids = _create_at_once(emu, [DEMO] * 8, name)
        assert len(set(ids)) == 1, (round_no, ids)
        listed = [f for f in api.json_ok("GET", f"{BASE}/files")["files"] if f["name"] == name]
        assert [f["id"] for f in listed] == [ids[0]], (round_no, listed)
        # And a later POST by name finds it instead of making another.
        again = api.json_ok("POST", f"{BASE}/files/{name}", json={"chunkCount": 1})
        assert again["file"]["id"] == ids[0]


def test_simultaneous_creates_by_two_users_make_one_private_file_each(emu, api: Api) -> None:
    from emu_http import ANALYST, DEMO

    ids = _create_at_once(emu, [DEMO, ANALYST] * 4, "Shared Name.csv")
    assert len(set(ids)) == 2, ids
    mine = [f["id"] for f in api.json_ok("GET", f"{BASE}/files")["files"]]
    assert len(set(ids) & set(mine)) == 1
