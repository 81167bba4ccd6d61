"""Local ends of transfers: `-O -` (stdout), `-O DIR`, `upload -` (stdin); `delete` with nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pyanaplan.cli._targets import safe_file_name

REGIONS_HEAD = "Name,Code"


def test_download_to_stdout(entry) -> None:
    run = entry("download", "Regions.csv", "-O", "-")
    assert run.exit_code == 0, run
    assert run.stdout.startswith(REGIONS_HEAD)  # the file's bytes, and nothing else
    assert "{" not in run.stdout
    assert "standard output" in run.stderr


def test_export_to_stdout(entry) -> None:
    run = entry("-o", "json", "export", "Sales Report.csv", "-O", "-")
    assert run.exit_code == 0, run
    assert run.stdout.splitlines()[0].startswith("Products,Regions")
    assert '"task_id"' not in run.stdout


def test_download_into_a_directory(cli, tmp_path: Path) -> None:
    run = cli("download", "Regions.csv", "-O", str(tmp_path))
    assert run.exit_code == 0, run
    saved = tmp_path / "Regions.csv"
    assert run.json()["path"] == str(saved)
    assert saved.read_text(encoding="utf-8").startswith(REGIONS_HEAD)


def test_export_into_a_directory(cli, tmp_path: Path) -> None:
    run = cli("export", "Sales Report.csv", "-O", str(tmp_path))
    assert run.exit_code == 0, run
    assert run.json()["output_path"] == str(tmp_path / "Sales Report.csv")
    assert (tmp_path / "Sales Report.csv").is_file()


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("Sales.csv", "Sales.csv"),
        ("../../etc/passwd", "passwd"),
        ("/abs/x.csv", "x.csv"),
        ("..", "download"),
        ("a\x00b\nc.csv", "a_b_c.csv"),
        ("CON.txt", "_CON.txt"),
        ("dir\\win.csv", "win.csv"),
    ],
)
def test_server_names_become_one_safe_file_name(name: str, safe: str) -> None:
    assert safe_file_name(name) == safe


def test_over_long_names_keep_their_extension() -> None:
    name = safe_file_name("x" * 400 + ".csv")
    assert name.endswith(".csv") and len(name.encode()) <= 200


def test_upload_from_stdin(cli, tmp_path: Path) -> None:
    data = "Name,Code\nNorth,N\nSouth,S\n"
    run = cli("upload", "-", "--file", "Regions.csv", input=data)
    assert run.exit_code == 0, run
    assert run.json()["size"] == len(data.encode())
    back = tmp_path / "back.csv"
    assert cli("download", "Regions.csv", "-O", str(back)).exit_code == 0
    assert back.read_text(encoding="utf-8") == data


def test_upload_from_stdin_needs_a_file_name(cli, emu) -> None:
    before = len(emu.requests())
    run = cli("upload", "-", input="a,b\n")
    assert run.exit_code == 2, run
    assert "--file" in run.stderr
    assert len(emu.requests()) == before


def test_delete_of_a_file_without_your_content(cli, emu) -> None:
    # The export's output file holds nothing until the export runs.
    run = cli("delete", "Sales Report.csv")
    assert run.exit_code == 0, run
    assert run.json() == {
        "file_id": "116000000001",
        "file_name": "Sales Report.csv",
        "deleted": False,
    }
    assert "nothing to delete" in run.stderr
    assert not [r for r in emu.requests() if r["method"] == "DELETE"]


def test_delete_of_uploaded_content(cli, emu, tmp_path: Path) -> None:
    source = tmp_path / "regions.csv"
    source.write_text("Name,Code\nNorth,N\n", encoding="utf-8")
    assert cli("upload", str(source), "--file", "Regions.csv").exit_code == 0
    run = cli("delete", "Regions.csv")
    assert run.exit_code == 0, run
    assert run.json()["deleted"] is True
    assert [r["status"] for r in emu.requests() if r["method"] == "DELETE"] == [204]


def test_download_to_a_full_stdout_is_one_sentence(entry, emu) -> None:
    import os
    import sys

    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full to fill stdout")
    with open("/dev/full", "wb") as full:
        proc = subprocess.run(
            [str(Path(sys.executable).parent / "pyanaplan"), "--api-url", emu.api_url,
             "--auth-url", emu.auth_url, "-w", "Demo Workspace", "-m", "Sales Planning",
             "download", "Regions.csv", "-O", "-"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
            timeout=60,
            check=False,
        )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("Error: Cannot write")
    assert "standard output" in proc.stderr and "no space left" in proc.stderr.lower()
    assert "Traceback" not in proc.stderr and "bug" not in proc.stderr
