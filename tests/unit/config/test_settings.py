"""Settings precedence (args > env > profile > defaults), region presets and profile files."""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

import pytest

from pyanaplan._config import (
    REGIONS,
    config_path,
    list_profiles,
    load_profile,
    load_settings,
    lookup_region,
    save_profile,
)
from pyanaplan.errors import ConfigError


def test_defaults_without_any_source() -> None:
    s = load_settings()
    assert s.api_url == "https://api.anaplan.com"
    assert s.auth_url == "https://auth.anaplan.com"
    assert s.oauth_url == "https://us1a.app.anaplan.com"
    assert s.verify is True
    assert s.timeout_s == 60.0 and s.connect_timeout_s == 10.0
    assert s.profile is None and s.user is None


def test_config_and_cache_dirs_follow_env(isolated_env: Path) -> None:
    s = load_settings()
    assert s.config_dir == isolated_env / "config"
    assert s.cache_dir == isolated_env / "cache"
    assert config_path() == isolated_env / "config" / "config.toml"


def test_precedence_args_over_env_over_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    save_profile("work", {"user": "profile@x", "workspace": "WS from profile", "model": "M1"})
    monkeypatch.setenv("ANAPLAN_USER", "env@x")
    monkeypatch.setenv("ANAPLAN_WORKSPACE", "WS from env")
    s = load_settings("work", workspace="WS from arg")
    assert s.profile == "work"
    assert s.workspace == "WS from arg"
    assert s.user == "env@x"
    assert s.model == "M1"


def test_profile_selected_by_env_then_default(monkeypatch: pytest.MonkeyPatch) -> None:
    save_profile("a", {"user": "a@x"})
    save_profile("b", {"user": "b@x"})
    assert load_settings().user == "a@x"  # first saved profile becomes default_profile
    monkeypatch.setenv("ANAPLAN_PROFILE", "b")
    assert load_settings().user == "b@x"
    assert load_settings("a").user == "a@x"


def test_isolated_reads_neither_environment_nor_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    save_profile("machine", {"user": "profile@x", "workspace": "WS from profile"})
    monkeypatch.setenv("ANAPLAN_TOKEN", "tok-from-env")
    monkeypatch.setenv("ANAPLAN_API_URL", "https://env.example")
    monkeypatch.setenv("ANAPLAN_PROFILE", "machine")
    s = load_settings(isolated=True, user="conn@x", password="pw", region="EU1")
    assert s.profile is None and s.workspace is None
    assert s.token is None  # the machine's token must not override the given credentials
    assert (s.user, s.password) == ("conn@x", "pw")
    assert s.api_url == lookup_region("EU1").api_url  # the region wins over ANAPLAN_API_URL
    assert load_settings().token == "tok-from-env"  # not isolated: the environment applies
    with pytest.raises(ConfigError):
        load_settings("machine", isolated=True)


def test_private_key_text_is_not_in_repr() -> None:
    pem = "-----BEGIN PRIVATE KEY-----\nMIIsecret\n-----END PRIVATE KEY-----\n"
    assert "MIIsecret" not in repr(load_settings(isolated=True, private_key=pem))


def test_unknown_profile_is_config_error() -> None:
    save_profile("real", {"user": "a@x"})
    with pytest.raises(ConfigError) as info:
        load_settings("missing")
    assert "missing" in str(info.value)
    assert "real" in info.value.hint


def test_save_profile_never_writes_secrets() -> None:
    written = save_profile(
        "p",
        {
            "user": "u@x",
            "password": "hunter2",
            "token": "tok-123",
            "key_password": "pp",
            "verify": False,
        },
    )
    assert written == {"user": "u@x", "verify": False}
    text = config_path().read_text()
    assert "hunter2" not in text and "tok-123" not in text and 'pp"' not in text
    assert load_profile("p") == {"user": "u@x", "verify": False}
    assert load_settings("p").verify is False


def test_saved_toml_roundtrips_awkward_strings() -> None:
    value = 'C:\\certs\\my "cert".pem\tx'
    save_profile("odd name", {"certificate": value, "timeout_s": 12.5})
    data = tomllib.loads(config_path().read_text())
    assert data["profiles"]["odd name"]["certificate"] == value
    assert load_settings("odd name").timeout_s == 12.5
    assert list_profiles() == ["odd name"]


@pytest.mark.parametrize(
    "value",
    [
        "bell\x07 and escape\x1b and nul\x00 and del\x7f",
        "form\x0cfeed, vertical\x0btab, cr\r, lf\n",
        "\"double\" 'single' '''triple''' \"\"\"triple\"\"\" \\ backslash",
        "unicode: Zürich 東京 🚀 \u2028 \ufeff",
        "[profiles.evil]\nuser = 'injected'",
    ],
)
def test_saved_toml_roundtrips_control_characters_and_unicode(value: str) -> None:
    """Whatever a profile value holds, config.toml stays valid TOML and reads back the same."""
    odd_name = 'üñí "quoted" \x01'
    save_profile("p", {"workspace": value})
    save_profile(odd_name, {"model": value})
    data = tomllib.loads(config_path().read_text(encoding="utf-8"))
    assert data["profiles"] == {"p": {"workspace": value}, odd_name: {"model": value}}
    assert load_settings("p").workspace == value


def test_save_profile_rejects_unknown_keys() -> None:
    with pytest.raises(ConfigError):
        save_profile("p", {"colour": "blue"})


def test_env_secrets_are_read_but_hidden_from_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANAPLAN_PASSWORD", "s3cret-pw")
    monkeypatch.setenv("ANAPLAN_TOKEN", "tok-secret")
    s = load_settings()
    assert s.password == "s3cret-pw" and s.token == "tok-secret"
    assert "s3cret-pw" not in repr(s) and "tok-secret" not in repr(s)


def test_profile_secrets_are_ignored() -> None:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('default_profile = "x"\n[profiles.x]\nuser = "u"\npassword = "pw"\n')
    s = load_settings()
    assert s.user == "u" and s.password is None


@pytest.mark.parametrize(
    ("region", "api", "auth", "oauth"),
    [
        (
            "US1",
            "https://api.anaplan.com",
            "https://auth.anaplan.com",
            "https://us1a.app.anaplan.com",
        ),
        (
            "eu4",
            "https://api.anaplan.com",
            "https://auth.anaplan.com",
            "https://us1a.app.anaplan.com",
        ),
        (
            "EU3",
            "https://eu3.api.anaplan.com",
            "https://eu3.auth.anaplan.com",
            "https://eu3.app.anaplan.com",
        ),
        (
            "me1",
            "https://me1.api.anaplan.com",
            "https://me1.auth.anaplan.com",
            "https://me1.app.anaplan.com",
        ),
        (
            "CA1",
            "https://ca1a.api.anaplan.com",
            "https://ca1a.auth.anaplan.com",
            "https://ca1a.app.anaplan.com",
        ),
        (
            "au1",
            "https://au1a.api2.anaplan.com",
            "https://au1a.app2.anaplan.com",
            "https://au1a.app2.anaplan.com",
        ),
    ],
)
def test_region_presets(region: str, api: str, auth: str, oauth: str) -> None:
    s = load_settings(region=region)
    assert (s.api_url, s.auth_url, s.oauth_url) == (api, auth, oauth)


def test_every_reference_region_has_a_preset() -> None:
    legacy = ["us1", "us2", "us5", "us7", "eu1", "eu2", "eu4", "ap1"]
    newer = ["us9", "eu3", "eu5", "gb1", "sg1", "ae1", "in1", "id1", "me1"]
    for name in [*legacy, *newer, "ca1", "au1"]:
        region = lookup_region(name)
        assert region.api_url.startswith("https://")
    for name in newer:
        assert REGIONS[name].api_url == f"https://{name}.api.anaplan.com"


def test_unknown_region_lists_known_ones() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(region="mars1")
    assert "EU3" in info.value.hint


def test_explicit_url_beats_region_at_same_or_higher_level(monkeypatch: pytest.MonkeyPatch) -> None:
    s = load_settings(region="eu3", api_url="http://127.0.0.1:9/2/0/")
    assert s.api_url == "http://127.0.0.1:9"  # /2/0 and slash stripped: origins only
    assert s.auth_url == "https://eu3.auth.anaplan.com"
    save_profile("p", {"api_url": "https://proxy.example"})
    monkeypatch.setenv("ANAPLAN_REGION", "gb1")
    assert (
        load_settings("p").api_url == "https://gb1.api.anaplan.com"
    )  # env region beats profile url


def test_bad_values_are_config_errors() -> None:
    with pytest.raises(ConfigError):
        load_settings(api_url="ftp://x")
    with pytest.raises(ConfigError):
        load_settings(timeout_s="soon")
    with pytest.raises(ConfigError):
        load_settings(cert_format="v3")
    with pytest.raises(ConfigError):
        load_settings(nonsense=1)


def test_verify_from_env_string(monkeypatch: pytest.MonkeyPatch) -> None:
    save_profile("p", {"verify": "false"})
    assert load_settings("p").verify is False
    assert load_settings("p", verify=True).verify is True


def test_corrupt_config_is_config_error() -> None:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("this is = = not toml")
    with pytest.raises(ConfigError):
        load_settings()


def test_config_file_not_world_writable_after_save() -> None:
    save_profile("p", {"user": "u"})
    mode = stat.S_IMODE(os.stat(config_path()).st_mode)
    assert not mode & stat.S_IWOTH
