"""Shared option types and value parsers for the CLI (sizes, mappings, the global options)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer

# Decimal units for KB/MB/GB, binary for KiB/MiB/GiB; a bare number is bytes.
_SIZE_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "kib": 1024,
    "m": 1000**2,
    "mb": 1000**2,
    "mib": 1024**2,
    "g": 1000**3,
    "gb": 1000**3,
    "gib": 1024**3,
}
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")


def parse_size(text: str) -> int:
    """Parse a size such as `25MB`, `10MiB`, `512KB` or `1048576` into bytes.

    Raises:
        typer.BadParameter: The text is not a positive size (exit code 2).
    """
    match = _SIZE_RE.match(text or "")
    unit = match.group(2).lower() if match else ""
    if not match or unit not in _SIZE_UNITS:
        raise typer.BadParameter(
            f"{text!r} is not a size; use a number with an optional unit, e.g. 25MB, 10MiB, 512KB."
        )
    size = int(float(match.group(1)) * _SIZE_UNITS[unit])
    if size <= 0:
        raise typer.BadParameter(f"{text!r} must be larger than zero.")
    return size


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


@dataclass
class GlobalOptions:
    """The root callback's options, exactly as given (None means "not given": let the library's
    settings fall back to ANAPLAN_* variables, the profile, then defaults)."""

    profile: str | None = None
    workspace: str | None = None
    model: str | None = None
    user: str | None = None
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
        help="Give up waiting after this many seconds (cancels the task).",
        min=0,
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
        "--file", metavar="NAME", help="Anaplan file name or ID (default: the local name)."
    ),
]
TargetOpt = Annotated[
    Path | None, typer.Option("-O", "--output-file", metavar="PATH", help="Where to save the file.")
]
KindArg = Annotated[str, typer.Argument(help="import, export, action or process.")]

KINDS = ("import", "export", "action", "process")


def check_kind(kind: str) -> str:
    """Validate a task kind argument (exit 2 on anything else)."""
    lowered = kind.lower()
    lowered = {f"{k}s": k for k in KINDS}.get(lowered, lowered)
    lowered = "process" if lowered == "processes" else lowered
    if lowered not in KINDS:
        raise typer.BadParameter(f"{kind!r} is not a kind; use one of {', '.join(KINDS)}.")
    return lowered
