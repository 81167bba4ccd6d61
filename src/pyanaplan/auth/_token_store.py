"""Where OAuth refresh tokens live between runs (opt-in by using the device grant).

Refresh tokens rotate (api-notes §3.2), so every refresh saves the new one. The file store keeps a
JSON map in a 0600 file inside a 0700 directory; the keyring store is used when the `keyring`
package is importable.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Protocol

__all__ = [
    "FileTokenStore",
    "KeyringTokenStore",
    "MemoryTokenStore",
    "TokenStore",
    "default_token_store",
]

_SERVICE = "pyanaplan"


class TokenStore(Protocol):
    """Keeps one refresh token per key (OAuth origin + client id)."""

    def load(self, key: str) -> str | None:
        """The stored refresh token, or None."""
        ...

    def save(self, key: str, refresh_token: str) -> None:
        """Store (replace) the refresh token."""
        ...

    def delete(self, key: str) -> None:
        """Forget the refresh token (no error when absent)."""
        ...


class MemoryTokenStore:
    """Keeps tokens for the life of the process only."""

    def __init__(self) -> None:
        self._tokens: dict[str, str] = {}

    def __repr__(self) -> str:
        return "MemoryTokenStore()"

    def load(self, key: str) -> str | None:
        return self._tokens.get(key)

    def save(self, key: str, refresh_token: str) -> None:
        self._tokens[key] = refresh_token

    def delete(self, key: str) -> None:
        self._tokens.pop(key, None)


class FileTokenStore:
    """A JSON file readable only by the owner (0600), in a 0700 directory.

    Args:
        path: The file, e.g. `<cache dir>/oauth-tokens.json`.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FileTokenStore(path={str(self.path)!r})"

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _write(self, data: dict[str, str]) -> None:
        _make_private_dirs(self.path.parent)
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        os.replace(tmp, self.path)

    def load(self, key: str) -> str | None:
        with self._lock:
            return self._read().get(key)

    def save(self, key: str, refresh_token: str) -> None:
        with self._lock:
            data = self._read()
            data[key] = refresh_token
            self._write(data)

    def delete(self, key: str) -> None:
        with self._lock:
            data = self._read()
            if data.pop(key, None) is not None:
                self._write(data)


def _make_private_dirs(directory: Path) -> None:
    """Create `directory` (and missing parents) as 0700.

    `mkdir(mode=…)` applies only to the last directory and is masked by the umask, so every
    directory we create is chmod-ed to 0700 afterwards. A directory that already existed is left
    as it is (it may be shared on purpose, e.g. a cache dir set by ANAPLAN_CACHE_DIR); the token
    file itself is always 0600, which is what keeps the tokens private.
    """
    missing: list[Path] = []
    current = directory
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    for created in missing:
        os.chmod(created, 0o700)


class KeyringTokenStore:
    """The operating system's keyring via the optional `keyring` package."""

    def __init__(self) -> None:
        import keyring  # optional dependency; ImportError tells the caller to use the file store

        self._keyring = keyring

    def __repr__(self) -> str:
        return "KeyringTokenStore()"

    def usable(self) -> bool:
        """False when only keyring's "fail" backend is available (headless systems)."""
        try:
            return float(getattr(self._keyring.get_keyring(), "priority", 1)) > 0
        except Exception:  # a broken keyring configuration is "not usable", not a crash
            return False

    def load(self, key: str) -> str | None:
        try:
            return self._keyring.get_password(_SERVICE, key)
        except Exception:  # locked or unavailable keyring: behave as "nothing stored"
            return None

    def save(self, key: str, refresh_token: str) -> None:
        self._keyring.set_password(_SERVICE, key, refresh_token)

    def delete(self, key: str) -> None:
        try:
            self._keyring.delete_password(_SERVICE, key)
        except Exception:  # keyring raises PasswordDeleteError when absent
            return


def default_token_store(kind: str, cache_dir: Path) -> TokenStore:
    """Pick a store: "auto" (keyring if installed, else file), "keyring", "file" or "memory"."""
    if kind in ("auto", "keyring"):
        try:
            store = KeyringTokenStore()
            if kind == "keyring" or store.usable():
                return store
        except ImportError:
            if kind == "keyring":
                from pyanaplan.errors import ConfigError

                raise ConfigError(
                    "token_store 'keyring' needs the keyring package.",
                    hint="pip install keyring, or use token_store='file'.",
                ) from None
    if kind == "memory":
        return MemoryTokenStore()
    return FileTokenStore(Path(cache_dir) / "oauth-tokens.json")
