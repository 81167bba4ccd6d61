"""Shared option types and value parsers for the CLI (sizes, mappings, the global options)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Annotated, Any

import typer

from pyanaplan import _config
from pyanaplan.errors import ConfigError
from pyanaplan.transfer.plan import MAX_CHUNK_SIZE, MAX_CONCURRENCY, MIN_CHUNK_SIZE


def parse_size(text: str) -> int:
    """Parse a size such as `25MB`, `10MiB`, `512KB` or `1048576` into bytes (the library's
    one size parser, `pyanaplan._config.parse_size`).

    Raises:
        typer.BadParameter: The text is not a positive size (exit code 2).
    """
    try:
        return _config.parse_size(text)
    except ConfigError as exc:
        raise typer.BadParameter(f"{exc.message} {exc.hint}") from None


def parse_chunk_size(text: str) -> int:
    """Parse `--chunk-size` and check it is within Anaplan's 1 MiB–50 MB while parsing.

    Raises:
        typer.BadParameter: Not a size, or outside the bounds (exit code 2).
    """
    size = parse_size(text)
    if not MIN_CHUNK_SIZE <= size <= MAX_CHUNK_SIZE:
        raise typer.BadParameter(
            f"{text!r} is outside the chunk sizes Anaplan accepts; use 1MiB to 50MB."
        )
    return size


def parse_timeout(text: str) -> float | None:
    """Parse `--timeout` in seconds; 0 means no limit (None).

    Raises:
        typer.BadParameter: Not a number, negative or not finite (exit code 2).
    """
    try:
        seconds = float(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a number of seconds.") from None
    if not math.isfinite(seconds) or seconds < 0:
        raise typer.BadParameter(
            f"{text!r} is not a timeout; use a number of seconds, or 0 for no limit."
        )
    return seconds or None


def parse_local_source(text: str) -> Path:
    """A local file to upload, or `-` for standard input, checked while parsing.

    Raises:
        typer.BadParameter: The path does not exist or is a directory (exit code 2).
    """
    path = Path(text)
    if text == "-":
        return path
    if not path.exists():
        raise typer.BadParameter(f"file {text!r} does not exist.")
    if path.is_dir():
        raise typer.BadParameter(f"{text!r} is a directory; name a file.")
    return path


KINDS = ("import", "export", "action", "process")


def check_kind(kind: str) -> str:
    """Validate a task kind argument, accepting plurals (exit 2 on anything else)."""
    lowered = kind.lower()
    lowered = {f"{k}s": k for k in KINDS}.get(lowered, lowered)
    lowered = "process" if lowered == "processes" else lowered
    if lowered not in KINDS:
        raise typer.BadParameter(f"{kind!r} is not a kind; use one of {', '.join(KINDS)}.")
    return lowered


def parse_mapping(values: list[str] | None) -> dict[str, str] | None:
    """Parse repeated `--mapping Dimension=Item` options into a dict.

    Raises:
        typer.BadParameter: An entry without `=` or with an empty side.
    """
    if not values:
        return None
    mapping: dict[str, str] = {}
    for value in values:
        dim, sep, item = value.partition("=")
        if not sep or not dim.strip() or not item.strip():
            raise typer.BadParameter(
                f"{value!r} is not a mapping; use Dimension=Item, e.g. --mapping Version=Actual."
            )
        mapping[dim.strip()] = item.strip()
    return mapping


#: `--retry-deadline` default, in seconds: RetryPolicy's own default (a test pins the two).
DEFAULT_RETRY_DEADLINE_S = 300.0
#: `--chunk-size` default as shown in --help: the library's DEFAULT_CHUNK_SIZE (a test pins it).
DEFAULT_CHUNK_SIZE_TEXT = "10MiB"

# Root option name -> GlobalOptions field, where the two differ.
_PARAM_FIELDS = {"cert": "certificate", "key": "private_key", "retry_deadline": "retry_deadline_s"}


@dataclass
class GlobalOptions:
    """The global options, exactly as given (None means "not given": let the library's settings
    fall back to ANAPLAN_* variables, the profile, then defaults). They may be given before the
    command, after it, or both (the later one wins): see `_globals.py`."""

    profile: str | None = None
    workspace: str | None = None
    model: str | None = None
    user: str | None = None
    ask_password: bool = False
    password: str | None = field(default=None, repr=False)  # from --ask-password; never shown
    certificate: str | None = None
    private_key: str | None = None
    region: str | None = None
    api_url: str | None = None
    auth_url: str | None = None
    oauth_url: str | None = None
    ca_bundle: str | None = None
    proxy: str | None = None
    insecure: bool = False
    retry_deadline_s: float | None = None
    output: str | None = None
    quiet: bool = False
    verbose: bool = False

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> GlobalOptions:
        """Build from the root command's parsed parameters (unknown names are ignored)."""
        options = cls()
        for name, value in params.items():
            options.set(name, value)
        return options

    def set(self, name: str, value: Any) -> None:
        """Set the field behind a root option name (`cert`, `retry_deadline`, …), if any."""
        attr = _PARAM_FIELDS.get(name, name)
        if attr in _FIELD_NAMES and attr != "password":
            setattr(self, attr, value)

    def client_kwargs(self) -> dict[str, object]:
        """Keyword arguments for `pyanaplan.Client`, only for options that were given."""
        kwargs: dict[str, object] = {
            "profile": self.profile,
            "workspace": self.workspace,
            "model": self.model,
            "user": self.user,
            "password": self.password,
            "certificate": self.certificate,
            "private_key": self.private_key,
            "region": self.region,
            "api_url": self.api_url,
            "auth_url": self.auth_url,
            "oauth_url": self.oauth_url,
            "ca_bundle": self.ca_bundle,
            "proxy": self.proxy,
        }
        if self.insecure:
            kwargs["verify"] = False
        return {k: v for k, v in kwargs.items() if v is not None}


_FIELD_NAMES = frozenset(f.name for f in fields(GlobalOptions))


# ---- option types used by several commands ------------------------------------------------------

DumpDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--dump-dir",
        metavar="DIR",
        help="Where failure dumps are saved (default: the current directory).",
        file_okay=False,
    ),
]
MappingOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--mapping",
        metavar="DIM=ITEM",
        help="Runtime mapping Dimension=Item (repeatable), e.g. --mapping Version=Actual.",
    ),
]
TimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        metavar="SECONDS",
        help="Give up waiting after this many seconds and cancel the task "
        "(0 or not given: wait as long as it takes).",
        parser=parse_timeout,
    ),
]
NoWaitOpt = Annotated[
    bool, typer.Option("--no-wait", help="Start the task, print its id and return at once.")
]
AcceptPartialOpt = Annotated[
    bool,
    typer.Option(
        "--accept-partial",
        help="Exit 0 when the load rejected some rows (a warning names the counts and the "
        "failure dumps). Without it, rejected rows exit 1. Failures still exit 1.",
    ),
]
FailOnIgnoredOpt = Annotated[
    bool,
    typer.Option(
        "--fail-on-ignored",
        help="Treat ignored rows (e.g. values for calculated line items, empty rows) like "
        "rejected rows. Without it, they are reported in a warning only.",
    ),
]
FileNameOpt = Annotated[
    str | None,
    typer.Option(
        "--file",
        metavar="NAME",
        help="Anaplan file name or ID (default: the local file's name; needed with `-`).",
    ),
]
TargetOpt = Annotated[
    Path | None,
    typer.Option(
        "-O",
        "--output-file",
        metavar="PATH",
        help="Where to save the file: a path, a directory to save it in, or - for stdout "
        "(default: the file's name in the current directory).",
    ),
]
ChunkSizeOpt = Annotated[
    int,
    typer.Option(
        "--chunk-size",
        metavar="SIZE",
        help="Chunk size, 1MiB to 50MB, e.g. 25MB or 10MiB.",
        parser=parse_chunk_size,
    ),
]
ConcurrencyOpt = Annotated[
    int,
    typer.Option(
        "--concurrency",
        metavar="N",
        help="Chunks sent in parallel.",
        min=1,
        max=MAX_CONCURRENCY,
    ),
]
KindArg = Annotated[
    str,
    typer.Argument(metavar="KIND", help="import, export, action or process.", parser=check_kind),
]
