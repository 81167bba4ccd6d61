"""Settings, profiles in config.toml, region presets, and the ANAPLAN_* environment.

This is the only module that reads ANAPLAN_* environment variables. Precedence is explicit
arguments > environment > the selected profile in config.toml > defaults (architecture §2.5).
Secrets (password, token, key password) are read from arguments and the environment only and are
never written back to config.toml.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
import tomli_w
from pydantic import ByteSize, TypeAdapter, ValidationError

from pyanaplan.errors import ConfigError

__all__ = [
    "REGIONS",
    "Region",
    "Settings",
    "cache_dir",
    "config_dir",
    "config_path",
    "list_profiles",
    "load_profile",
    "load_settings",
    "parse_size",
    "save_profile",
]

DEFAULT_API_URL = "https://api.anaplan.com"
DEFAULT_AUTH_URL = "https://auth.anaplan.com"
DEFAULT_OAUTH_URL = "https://us1a.app.anaplan.com"


@dataclass(frozen=True)
class Region:
    """The three origins of one Anaplan region (api-notes §1.1)."""

    name: str
    api_url: str
    auth_url: str
    oauth_url: str


def _legacy(name: str) -> Region:
    return Region(name, DEFAULT_API_URL, DEFAULT_AUTH_URL, DEFAULT_OAUTH_URL)


def _regional(name: str, prefix: str) -> Region:
    return Region(
        name,
        f"https://{prefix}.api.anaplan.com",
        f"https://{prefix}.auth.anaplan.com",
        f"https://{prefix}.app.anaplan.com",
    )


# api-notes §1.1: legacy regions share the default hosts; newer ones use {r}.<service>.anaplan.com;
# Canada uses ca1a.*; Australia is irregular (api2/app2 hosts, auth and OAuth on the same host).
REGIONS: dict[str, Region] = {
    **{r: _legacy(r) for r in ("us1", "us2", "us5", "us7", "eu1", "eu2", "eu4", "ap1")},
    **{r: _regional(r, r) for r in ("us9", "eu3", "eu5", "gb1", "sg1", "ae1", "in1", "id1", "me1")},
    "ca1": _regional("ca1", "ca1a"),
    "au1": Region(
        "au1",
        "https://au1a.api2.anaplan.com",
        "https://au1a.app2.anaplan.com",
        "https://au1a.app2.anaplan.com",
    ),
}
_REGION_ALIASES = {"ca": "ca1", "ca1a": "ca1", "au": "au1", "au1a": "au1"}

# Settings fields that are never stored in config.toml.
_SECRET_FIELDS = frozenset({"password", "token", "key_password"})

# Settings field -> environment variable (architecture §2.5, plus the OAuth client id).
_ENV = {
    "user": "ANAPLAN_USER",
    "password": "ANAPLAN_PASSWORD",
    "certificate": "ANAPLAN_CERT",
    "private_key": "ANAPLAN_KEY",
    "key_password": "ANAPLAN_KEY_PASSWORD",
    "token": "ANAPLAN_TOKEN",
    "region": "ANAPLAN_REGION",
    "api_url": "ANAPLAN_API_URL",
    "auth_url": "ANAPLAN_AUTH_URL",
    "oauth_url": "ANAPLAN_OAUTH_URL",
    "oauth_client_id": "ANAPLAN_OAUTH_CLIENT_ID",
    "workspace": "ANAPLAN_WORKSPACE",
    "model": "ANAPLAN_MODEL",
    "ca_bundle": "ANAPLAN_CA_BUNDLE",
}


def lookup_region(name: str) -> Region:
    """Return the preset for a region name such as "EU1", "us9" or "au1a".

    Raises:
        ConfigError: The name is not a known region.
    """
    key = name.strip().lower()
    key = _REGION_ALIASES.get(key, key)
    try:
        return REGIONS[key]
    except KeyError:
        known = ", ".join(sorted(r.upper() for r in REGIONS))
        raise ConfigError(
            f"Unknown region {name!r}.", hint=f"Use one of {known}, or pass --api-url/--auth-url."
        ) from None


@dataclass(frozen=True)
class Settings:
    """Everything needed to talk to Anaplan, after merging arguments, environment and profile.

    URLs are origins (no path): the client appends /2/0, /token/… and /oauth/… itself.
    Secret fields are excluded from repr.
    """

    profile: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    certificate: str | None = None
    # A path, or the key's PEM text itself (e.g. from a secret store): never in repr.
    private_key: str | None = field(default=None, repr=False)
    key_password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    cert_format: str = "v2"
    oauth_client_id: str | None = None
    region: str | None = None
    api_url: str = DEFAULT_API_URL
    auth_url: str = DEFAULT_AUTH_URL
    oauth_url: str = DEFAULT_OAUTH_URL
    workspace: str | None = None
    model: str | None = None
    verify: bool = True
    ca_bundle: str | None = None
    proxy: str | None = None
    trust_env: bool = True
    connect_timeout_s: float = 10.0
    timeout_s: float = 60.0
    token_store: str = "auto"
    config_dir: Path = field(default_factory=lambda: config_dir())
    cache_dir: Path = field(default_factory=lambda: cache_dir())

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with some fields changed (None values are ignored)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def config_dir() -> Path:
    """The directory holding config.toml: ANAPLAN_CONFIG_DIR or the platform config dir."""
    override = os.environ.get("ANAPLAN_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir("pyanaplan"))


def cache_dir() -> Path:
    """The directory for resume journals and token stores: ANAPLAN_CACHE_DIR or platform cache."""
    override = os.environ.get("ANAPLAN_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("pyanaplan"))


def config_path() -> Path:
    """Path of config.toml."""
    return config_dir() / "config.toml"


def _read_config() -> dict[str, Any]:
    path = config_path()
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(
            f"Cannot read {path}: {exc}.", hint="Fix or delete the file, then retry."
        ) from exc


def list_profiles() -> list[str]:
    """Names of the profiles in config.toml, sorted."""
    profiles = _read_config().get("profiles", {})
    return sorted(profiles) if isinstance(profiles, dict) else []


def default_profile_name() -> str | None:
    """The `default_profile` key of config.toml, if set."""
    value = _read_config().get("default_profile")
    return str(value) if value else None


def load_profile(name: str) -> dict[str, Any]:
    """Return one profile's values from config.toml.

    Raises:
        ConfigError: The profile does not exist.
    """
    profiles = _read_config().get("profiles", {})
    if not isinstance(profiles, dict) or name not in profiles:
        known = ", ".join(sorted(profiles)) if isinstance(profiles, dict) and profiles else "none"
        raise ConfigError(
            f"Profile {name!r} not found in {config_path()}.",
            hint=(
                f"Known profiles: {known}. Create one with `pyanaplan config set NAME key=value …`."
            ),
        )
    return dict(profiles[name])


def save_profile(
    name: str, values: Mapping[str, Any], *, make_default: bool = False
) -> dict[str, Any]:
    """Write (replace) one profile in config.toml, keeping the other profiles.

    Secret values (password, token, key_password) and None values are dropped: passwords and
    tokens never go to config.toml.

    Returns:
        The values actually written.

    Raises:
        ConfigError: An unknown setting name or a value that is not a string, number or bool.
    """
    known = {f.name for f in dataclasses.fields(Settings)} - {"profile", "config_dir", "cache_dir"}
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key in _SECRET_FIELDS or value is None:
            continue
        if key not in known:
            raise ConfigError(f"Unknown setting {key!r} for profile {name!r}.")
        if not isinstance(value, str | int | float | bool | Path):
            raise ConfigError(f"Setting {key!r} must be a string, number or boolean.")
        clean[key] = str(value) if isinstance(value, Path) else value
    data = _read_config()
    profiles = data.setdefault("profiles", {})
    profiles[name] = clean
    if make_default or not data.get("default_profile"):
        data["default_profile"] = name
    _write_config(data)
    return clean


def delete_profile(name: str) -> None:
    """Remove one profile from config.toml (and the default, if it was the default).

    Raises:
        ConfigError: The profile does not exist.
    """
    load_profile(name)
    data = _read_config()
    data["profiles"].pop(name, None)
    if data.get("default_profile") == name:
        data.pop("default_profile")
    _write_config(data)


def _write_config(data: Mapping[str, Any]) -> None:
    # Written whole to a temporary file, then renamed: a crash never leaves half a config.
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(_dump_toml(data), encoding="utf-8")
    tmp.replace(path)


def _dump_toml(data: Mapping[str, Any]) -> str:
    """Top-level scalars, then one [profiles.NAME] table per profile, sorted by name."""
    profiles = data.get("profiles") or {}
    ordered = {k: v for k, v in data.items() if k != "profiles"}
    if profiles:
        ordered["profiles"] = {name: profiles[name] for name in sorted(profiles)}
    return tomli_w.dumps(ordered)


_BYTE_SIZE: TypeAdapter[ByteSize] = TypeAdapter(ByteSize)
# The whole text must be a number and a byte unit: pydantic alone would read "1,000" as 1 byte
# and "25 MB of data" as 25 MB (it matches a prefix), and it knows bit units ("8kbit").
_SIZE_SHAPE = re.compile(r"\s*(?:\d+(?:\.\d*)?|\.\d+)\s*(?:[kmgt]i?)?b?\s*", re.IGNORECASE)


def parse_size(text: str | int) -> int:
    """Bytes from a size as a user writes it: `25MB`, `10MiB`, `512KB`, `1.5 GB` or `1048576`.

    The one size parser for options, settings and tools, so every place reads units alike:
    pydantic's `ByteSize` units (KB/MB/GB/TB are powers of 1000, KiB/MiB/GiB/TiB powers of
    1024, K/M/G/T alone are decimal, a bare number is bytes; case and spaces do not matter).

    Raises:
        ConfigError: The text is not a size, or not larger than zero.
    """
    if isinstance(text, bool) or not (
        isinstance(text, int) or (isinstance(text, str) and _SIZE_SHAPE.fullmatch(text))
    ):
        raise ConfigError(
            f"{text!r} is not a size.",
            hint="Use a number with an optional unit, e.g. 25MB, 10MiB or 512KB.",
        )
    try:
        size = int(_BYTE_SIZE.validate_python(text.strip() if isinstance(text, str) else text))
    except ValidationError:
        raise ConfigError(
            f"{text!r} is not a size.", hint="Use a number of bytes, e.g. 1048576."
        ) from None
    if size <= 0:
        raise ConfigError(f"{text!r} must be larger than zero.", hint="Use e.g. 25MB or 10MiB.")
    return size


def _coerce(name: str, value: Any) -> Any:
    """Turn a string from env/profile into the field's type."""
    if name in ("verify", "trust_env"):
        if isinstance(value, bool):
            return value
        lowered = str(value).strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"Setting {name!r} must be true or false, not {value!r}.")
    if name in ("timeout_s", "connect_timeout_s"):
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"Setting {name!r} must be a number of seconds.") from None
        if number <= 0:
            raise ConfigError(f"Setting {name!r} must be positive.")
        return number
    if name == "cert_format":
        text = str(value).lower()
        if text not in ("v1", "v2"):
            raise ConfigError("cert_format must be 'v1' or 'v2'.")
        return text
    if name == "token_store":
        text = str(value).lower()
        if text not in ("auto", "keyring", "file", "memory"):
            raise ConfigError("token_store must be 'auto', 'keyring', 'file' or 'memory'.")
        return text
    return str(value) if isinstance(value, Path) else value


def _origin(name: str, url: str) -> str:
    url = url.strip().rstrip("/")
    for suffix in ("/2/0", "/token/authenticate", "/token"):
        if name in ("api_url", "auth_url") and url.endswith(suffix):
            url = url[: -len(suffix)]
    if not url.startswith(("http://", "https://")):
        raise ConfigError(
            f"{name} {url!r} is not an http(s) URL.",
            hint="Pass an origin such as https://api.anaplan.com.",
        )
    return url


def _levels(
    profile_values: Mapping[str, Any], arguments: Mapping[str, Any], *, environment: bool = True
) -> dict[str, int]:
    """Precedence level at which each setting was given: 3 argument, 2 environment, 1 profile."""
    levels: dict[str, int] = {}
    for key in ("region", "api_url", "auth_url", "oauth_url"):
        if arguments.get(key) is not None:
            levels[key] = 3
        elif environment and os.environ.get(_ENV[key]):
            levels[key] = 2
        elif profile_values.get(key):
            levels[key] = 1
    return levels


def load_settings(
    profile: str | None = None, *, isolated: bool = False, **arguments: Any
) -> Settings:
    """Merge explicit arguments > ANAPLAN_* environment > config.toml profile > defaults.

    Args:
        profile: Profile name; falls back to ANAPLAN_PROFILE, then config.toml's default_profile.
        isolated: Use only the arguments and the defaults: no ANAPLAN_* variable and no profile
            is read. For hosts that keep their own connection settings (e.g. an Airflow
            connection), where an ANAPLAN_TOKEN or a default profile on the machine must not
            change which tenant or user a job talks to.
        **arguments: Settings field values; None means "not given".

    Returns:
        The merged, validated Settings.

    Raises:
        ConfigError: Unknown setting, unknown region or profile, or a malformed value.
    """
    fields = {f.name for f in dataclasses.fields(Settings)}
    unknown = set(arguments) - fields
    if unknown:
        raise ConfigError(f"Unknown setting(s): {', '.join(sorted(unknown))}.")

    if isolated and profile:
        raise ConfigError("An isolated configuration cannot use a profile.")
    explicit_profile = None if isolated else profile or os.environ.get("ANAPLAN_PROFILE")
    profile_name = None if isolated else explicit_profile or default_profile_name()
    profile_values: dict[str, Any] = {}
    if profile_name:
        if explicit_profile:
            profile_values = load_profile(profile_name)
        else:
            # A dangling default_profile should not break explicit-credential use.
            try:
                profile_values = load_profile(profile_name)
            except ConfigError:
                profile_name = None

    merged: dict[str, Any] = {}
    for key, value in profile_values.items():
        if key in fields and key not in _SECRET_FIELDS:
            merged[key] = value
    for key, env_name in _ENV.items():
        env_value = None if isolated else os.environ.get(env_name)
        if env_value:
            merged[key] = env_value
    for key, value in arguments.items():
        if value is not None:
            merged[key] = value

    region_name = merged.get("region")
    if region_name:
        region = lookup_region(str(region_name))
        # A region sets the hosts unless a URL was given at the same or a higher precedence level
        # (e.g. ANAPLAN_API_URL beats a profile's region; --region beats a profile's api_url).
        levels = _levels(profile_values, arguments, environment=not isolated)
        for key in ("api_url", "auth_url", "oauth_url"):
            if levels.get(key, 0) < levels["region"]:
                merged[key] = getattr(region, key)
    for key in ("api_url", "auth_url", "oauth_url"):
        if key in merged:
            merged[key] = _origin(key, str(merged[key]))

    values = {k: _coerce(k, v) for k, v in merged.items() if k != "profile"}
    return Settings(profile=profile_name, **values)
