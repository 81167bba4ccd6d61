"""The one table that turns library errors into a message, a next step and an exit code.

The exit-code tables of docs/cli.md and the README are written by hand from `EXIT_CODES` below;
`tests/docs/test_site.py` and `tests/cli/test_units.py` check that every code here is in them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Exit codes, documented once here and in docs/cli.md (summarised in the README).
EXIT_OK = 0
EXIT_TASK_FAILED = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_NOT_FOUND = 4
EXIT_SERVER = 5
EXIT_INTERRUPTED = 130

EXIT_CODES: dict[int, str] = {
    EXIT_OK: "success",
    EXIT_TASK_FAILED: (
        "the task failed, was cancelled, or rejected rows (failure dump saved, its path "
        "printed); --accept-partial makes rejected rows exit 0"
    ),
    EXIT_USAGE: "usage or configuration error",
    EXIT_AUTH: "authentication failed or access denied",
    EXIT_NOT_FOUND: "not found, or an ambiguous name (candidates printed)",
    EXIT_SERVER: "network or server error after retries",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C); the message says whether the server confirmed "
    "that a running task was cancelled",
}

# Error class name -> (machine code, exit code, default hint). Looked up along the MRO by class
# *name*, so this module imports nothing heavy and a subclass added later in errors.py still lands
# on its parent's row.
_TABLE: dict[str, tuple[str, int, str]] = {
    "TaskFailedError": (
        "task_failed",
        EXIT_TASK_FAILED,
        "Open the failure dump to see which rows failed and why.",
    ),
    "LocalFileError": ("local_file", EXIT_USAGE, "Check the path and its permissions."),
    "BadRequestError": (
        "bad_request",
        EXIT_USAGE,
        "Check the names and values you passed; Anaplan does not accept one of them.",
    ),
    "ConfigError": ("config", EXIT_USAGE, "Check your options, environment and profile."),
    "AuthenticationError": (
        "authentication",
        EXIT_AUTH,
        "Check ANAPLAN_USER/ANAPLAN_PASSWORD, your certificate, or run `pyanaplan login`.",
    ),
    "PermissionDeniedError": (
        "permission_denied",
        EXIT_AUTH,
        "Ask a workspace administrator for access to this workspace or model.",
    ),
    "NameNotFoundError": (
        "not_found",
        EXIT_NOT_FOUND,
        "Check the spelling, or list the objects to see what exists.",
    ),
    "AmbiguousNameError": (
        "ambiguous_name",
        EXIT_NOT_FOUND,
        "Use one of the IDs listed above instead of the name.",
    ),
    "NameResolutionError": ("not_found", EXIT_NOT_FOUND, "Check the name or use an ID."),
    "NotFoundError": (
        "not_found",
        EXIT_NOT_FOUND,
        "Check the workspace, model and object names (list them to see what exists).",
    ),
    "ConflictError": (
        "conflict",
        EXIT_SERVER,
        "The model is busy or locked; try again when its tasks have finished.",
    ),
    "RateLimitedError": (
        "rate_limited",
        EXIT_SERVER,
        "Anaplan is throttling requests; wait a minute and try again.",
    ),
    "ServerError": ("server", EXIT_SERVER, "Anaplan had a problem; try again later."),
    "TransportError": (
        "network",
        EXIT_SERVER,
        "Check your network, proxy and --api-url/--region settings.",
    ),
    "AmbiguousTaskStartError": (
        "ambiguous_task_start",
        EXIT_SERVER,
        "Check the candidate tasks listed above and cancel the ones you did not start.",
    ),
    "TransferError": (
        "transfer",
        EXIT_SERVER,
        "Run the same command again: the transfer resumes, or use --restart to start over.",
    ),
    "APIError": ("api", EXIT_SERVER, "Anaplan rejected the request."),
    "AnaplanError": ("error", EXIT_SERVER, "See the message above."),
}


@dataclass(frozen=True)
class ErrorReport:
    """What the CLI shows for one failure: a sentence, a next step and an exit code."""

    code: str
    exit_code: int
    message: str
    hint: str
    candidates: list[dict[str, str]] = field(default_factory=list)
    dump_paths: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The `-o json` error document (one document on stdout)."""
        body: dict[str, Any] = {"code": self.code, "message": self.message, "hint": self.hint}
        body["exit_code"] = self.exit_code
        if self.candidates:
            body["candidates"] = self.candidates
        if self.dump_paths:
            body["dump_paths"] = self.dump_paths
        if self.warnings:
            body["warnings"] = self.warnings
        return {"error": body}


def exit_code_for(exc: BaseException) -> int:
    """The documented exit code for an exception (5 for anything unexpected)."""
    return report_for(exc).exit_code


def report_for(exc: BaseException) -> ErrorReport:
    """Build the message, hint and exit code for an error raised by the library."""
    if isinstance(exc, KeyboardInterrupt):
        # A TaskInterrupted says what the server confirmed about its task; a bare Ctrl-C came
        # while no server task was ours (listing, uploading, downloading): say nothing of one.
        message = str(getattr(exc, "message", "") or "") or "Interrupted."
        hint = str(getattr(exc, "hint", "") or "") or (
            "Run the same command again; an interrupted upload resumes from the chunks the "
            "server already has."
        )
        return ErrorReport("interrupted", EXIT_INTERRUPTED, _first_sentence(message), hint)
    if isinstance(exc, OSError) and _lookup(type(exc)) is None:
        # The library turns the OSErrors it expects into LocalFileError; any other one that
        # reaches here (a cache or config directory that cannot be written) is still a local
        # file problem the user fixes on this machine: exit 2, never "a bug".
        from pyanaplan.errors import local_file_error

        exc = local_file_error(exc, action="read or write", path=exc.filename)
    row = _lookup(type(exc))
    if row is None:
        return ErrorReport(
            "internal",
            EXIT_SERVER,
            _first_sentence(f"{type(exc).__name__}: {exc}"),
            "This is a bug in pyanaplan; run again with -v and report the traceback.",
        )
    code, exit_code, default_hint = row
    hint = str(getattr(exc, "hint", "") or "") or default_hint
    return ErrorReport(
        code=code,
        exit_code=exit_code,
        message=_message(exc),
        hint=hint,
        candidates=_candidates(exc),
        dump_paths=_dump_paths(exc),
        warnings=_warnings(exc),
    )


def _lookup(cls: type) -> tuple[str, int, str] | None:
    for klass in cls.__mro__:
        row = _TABLE.get(klass.__name__)
        if row is not None:
            return row
    return None


def _message(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return _first_sentence(text)


def _first_sentence(text: str) -> str:
    # One sentence on one line: multi-line library messages are cut at the first line.
    line = text.splitlines()[0].strip() if text else ""
    return line


def _candidates(exc: BaseException) -> list[dict[str, str]]:
    raw = getattr(exc, "candidates", None) or []
    out: list[dict[str, str]] = []
    for item in raw:
        out.append(_candidate_dict(item))
    return out


def _candidate_dict(item: Any) -> dict[str, str]:
    # Candidates may be (name, id) tuples, dicts or model objects, depending on the resolver.
    if isinstance(item, dict):
        return {k: str(v) for k, v in item.items() if v is not None}
    if isinstance(item, tuple | list) and len(item) >= 2:
        return {"name": str(item[0]), "id": str(item[1])}
    name = getattr(item, "name", None)
    ident = getattr(item, "id", None)
    if name is not None or ident is not None:
        return {"name": str(name), "id": str(ident)}
    return {"name": str(item)}


def _warnings(exc: BaseException) -> list[str]:
    result = getattr(exc, "result", None)
    return [str(w) for w in getattr(result, "warnings", None) or []]


def _dump_paths(exc: BaseException) -> list[str]:
    result = getattr(exc, "result", None)
    paths = getattr(result, "dump_paths", None) or []
    return [str(Path(p)) for p in paths]
