"""Profiles: config set/list/show/use/delete; passwords are refused."""

from __future__ import annotations

from typer.testing import CliRunner

from pyanaplan.cli.main import app


def run(*args: str):
    result = CliRunner().invoke(app, ["-o", "json", *args], catch_exceptions=False)
    return result


def test_profile_lifecycle(isolated_env) -> None:
    created = run("config", "set", "prod", "user=me@example.com", "region=EU1", "workspace=FP&A")
    assert created.exit_code == 0, created.stderr
    assert created.stdout and '"region": "EU1"' in created.stdout
    run("config", "set", "test", "user=t@example.com")

    listed = run("config", "list")
    assert listed.exit_code == 0
    import json

    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    assert set(rows) == {"prod", "test"}
    assert rows["prod"]["default"] is True  # the first profile becomes the default

    used = run("config", "use", "test")
    assert used.exit_code == 0
    shown = json.loads(run("config", "show").stdout)
    assert shown["name"] == "test" and shown["user"] == "t@example.com"

    deleted = run("config", "delete", "test")
    assert deleted.exit_code == 0
    assert [r["name"] for r in json.loads(run("config", "list").stdout)] == ["prod"]
    config = (isolated_env / "config" / "config.toml").read_text()
    assert "t@example.com" not in config


def test_secrets_are_refused(isolated_env) -> None:
    refused = run("config", "set", "prod", "password=hunter2")
    assert refused.exit_code == 2
    assert "hunter2" not in refused.stdout + refused.stderr
    assert not (isolated_env / "config" / "config.toml").exists()


def test_unknown_profile_is_a_usage_error(isolated_env) -> None:
    shown = run("config", "show", "nope")
    assert shown.exit_code == 2
    assert "nope" in shown.stderr
