"""Every exception pyanaplan raises, in one tree.

```
AnaplanError
 ├── ConfigError                       bad settings / bad input (exit 2)
 │    ├── LocalFileError               a local file or directory cannot be read or written
 │    └── TableError                   a table does not fit the file (columns, types, encoding)
 ├── TransportError                    connection failure, timeout, TLS (exit 5)
 ├── APIError(status, code, message, request_id, method, url)
 │    ├── BadRequestError              400: a name or value the server does not accept (exit 2)
 │    ├── AuthenticationError          401, bad credentials, cert rejected (exit 3)
 │    ├── PermissionDeniedError        403 (exit 3)
 │    ├── NotFoundError                404 (exit 4)
 │    ├── ConflictError                409/422/423 (exit 5)
 │    ├── RateLimitedError             429 after retries (exit 5)
 │    └── ServerError                  5xx after retries (exit 5)
 ├── TaskFailedError(result)           task failed, was cancelled or rejected rows (exit 1)
 │    └── TaskTimeoutError             the wait ran out; the server task was cancelled
 ├── AmbiguousTaskStartError(candidates)  a start's answer was lost and the task list cannot
 │                                     say which new task is ours (exit 5)
 ├── TransferError                     size/chunk mismatch, stale resume state (exit 5)
 └── NameResolutionError(kind, query, candidates)           (exit 4)
      ├── NameNotFoundError
      └── AmbiguousNameError

KeyboardInterrupt
 └── TaskInterrupted(task_id, state, cancelled)   Ctrl-C during a task: what became of it (exit 130)
```

Every error carries a `hint` saying what to do next. Messages and hints never contain secrets;
only `http/_raise.py` builds `APIError`s from responses, and only `local_file_error` below turns a
local `OSError` into an error.
"""

from __future__ import annotations

import errno as _errno
import os
from collections.abc import Sequence
from typing import Any

__all__ = [
    "APIError",
    "AmbiguousNameError",
    "AmbiguousTaskStartError",
    "AnaplanError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigError",
    "ConflictError",
    "LocalFileError",
    "NameCandidate",
    "NameNotFoundError",
    "NameResolutionError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitedError",
    "ServerError",
    "TableError",
    "TaskFailedError",
    "TaskInterrupted",
    "TaskTimeoutError",
    "TransferError",
    "TransportError",
    "local_file_error",
]


class AnaplanError(Exception):
    """Root of every pyanaplan error.

    Attributes:
        message: What happened, naming the object involved.
        hint: What to do next (may be empty).
    """

    default_hint = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint if hint is not None else self.default_hint

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructors defeat Exception's default pickling (used by process pools
        # and some test runners); rebuild from the instance dict instead.
        return (_rebuild, (type(self), self.args, self.__dict__.copy()))


def _rebuild(cls: type[AnaplanError], args: tuple[Any, ...], state: dict[str, Any]) -> AnaplanError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class ConfigError(AnaplanError):
    """Bad settings or bad input: missing credentials, unreadable key, unknown region."""

    default_hint = "Check the arguments, ANAPLAN_* environment variables and config.toml profile."


class LocalFileError(ConfigError):
    """A local file or directory could not be read or written: permission denied, a missing
    directory, a directory where a file was expected, a full disk.

    It is a ConfigError (exit 2): the fix is on this machine, and retrying the same command will
    not help until it is made. Nothing on the server is wrong.

    Attributes:
        path: The local path involved ("standard output" for stdout), or None.
        errno: The operating system's error number, or None.
    """

    default_hint = "Check the path and its permissions, then try again."

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        errno: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.path = path
        self.errno = errno


class TableError(ConfigError):
    """A table does not fit the Anaplan file it goes to or comes from: columns missing or extra,
    a value the file's encoding or CSV layout cannot hold, or export text that does not parse
    as the type the export's metadata gives.

    It is a ConfigError (exit 2): the data or the call must change; nothing was sent when the
    columns do not match.

    Attributes:
        missing: Columns the file expects that the table lacks (column checks only).
        extra: Columns of the table that the file does not have (column checks only).
    """

    default_hint = "Check the table's columns and values against the import's source file."

    def __init__(
        self,
        message: str,
        *,
        missing: Sequence[str] = (),
        extra: Sequence[str] = (),
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.missing = tuple(missing)
        self.extra = tuple(extra)


_FULL = frozenset({_errno.ENOSPC, _errno.EFBIG, getattr(_errno, "EDQUOT", _errno.ENOSPC)})
_NOT_DIRECTORY = frozenset({_errno.ENOTDIR, _errno.EEXIST})


def local_file_error(
    exc: OSError, *, action: str, path: Any = None, then: str = ""
) -> LocalFileError:
    """The one place a local OSError becomes an error with an accurate sentence and hint.

    Args:
        exc: The operating system's error.
        action: What was being done, as a verb phrase: "write", "read", "create the directory".
        path: The path involved (a str, PathLike or file object; default: the error's filename).
        then: A sentence appended to the hint, e.g. "The download resumes where it stopped."

    Returns:
        A LocalFileError (the caller raises it `from exc`).
    """
    where = _path_text(path if path is not None else exc.filename)
    code = exc.errno
    reason = (exc.strerror or type(exc).__name__).rstrip(".")
    if code in (_errno.EACCES, _errno.EPERM):
        hint = "Choose a location you may use, or change its permissions."
    elif code == _errno.EISDIR:
        hint = f"{where} is a directory; name a file."
    elif code in _NOT_DIRECTORY:
        # EEXIST comes from creating a parent directory where a file already is.
        reason = "not a directory"
        hint = f"A part of {where} is a file, not a directory; check the path."
    elif code == _errno.ENOENT:
        hint = "Check the path; a directory in it does not exist."
    elif code in _FULL:
        hint = "Free some disk space, or choose a target on another disk."
    elif code == _errno.EROFS:
        hint = "That file system is read-only; choose another location."
    else:
        hint = LocalFileError.default_hint
    if then:
        hint = f"{hint} {then}"
    return LocalFileError(
        f"Cannot {action} {where}: {reason[:1].lower()}{reason[1:]}.",
        path=where,
        errno=code,
        hint=hint,
    )


def _path_text(path: Any) -> str:
    if path is None:
        return "the file"
    if isinstance(path, str | os.PathLike):
        return repr(os.fspath(path))
    name = getattr(path, "name", None)
    if name in ("<stdout>", 1):
        return "standard output"
    if name in ("<stdin>", 0):
        return "standard input"
    return repr(str(name)) if name is not None else "the file"


class TransportError(AnaplanError):
    """The request never got an HTTP answer: connection refused, timeout, TLS failure.

    Attributes:
        request_sent: False when the request certainly never left this machine (the connection
            could not be made), so the server cannot have acted on it; None when unknown.
    """

    default_hint = "Check the network, proxy settings and the API/auth URLs, then retry."

    def __init__(
        self, message: str, *, hint: str | None = None, request_sent: bool | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.request_sent = request_sent


class APIError(AnaplanError):
    """The server answered with an error status.

    Attributes:
        status: HTTP status code.
        code: The service's own error code when it sent one (e.g. "FAILURE_BAD_CREDENTIAL",
            "invalid_grant"), else None.
        request_id: A request id header from the server, if any.
        method: HTTP method of the failed request.
        url: URL of the failed request, without credentials or query secrets.
    """

    default_hint = "See the message above; retry if the problem was temporary."

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str | None = None,
        request_id: str | None = None,
        method: str | None = None,
        url: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.code = code
        self.request_id = request_id
        self.method = method
        self.url = url

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, code={self.code!r}, "
            f"message={self.message!r}, method={self.method!r}, url={self.url!r})"
        )


class BadRequestError(APIError):
    """400: the server refused the request as malformed, e.g. a file name it does not accept.

    Retrying the same request cannot help: a name or value in it has to change.
    """

    default_hint = "Check the names and values passed; the server does not accept one of them."


class AuthenticationError(APIError):
    """Credentials were rejected, a token expired and could not be renewed, or a cert is unknown."""

    default_hint = (
        "Check the user and password, certificate and key, or token; for certificate auth make "
        "sure the certificate is registered for the user in Anaplan."
    )


class PermissionDeniedError(APIError):
    """The user is authenticated but lacks the role for this call."""

    default_hint = "Ask a workspace administrator for access to this workspace or model."


class NotFoundError(APIError):
    """The object does not exist, or the user cannot see it (Anaplan masks NO-ACCESS as 404)."""

    default_hint = (
        "Check the workspace, model and object IDs (IDs are case-sensitive) and that the user "
        "has access."
    )


class ConflictError(APIError):
    """The model is busy, locked or archived (409/422/423)."""

    default_hint = "Wait for the model to become available (or unlock/unarchive it) and retry."


class RateLimitedError(APIError):
    """Anaplan kept answering 429 after every retry."""

    default_hint = "Slow down: lower --concurrency or wait a minute before retrying."


class ServerError(APIError):
    """Anaplan kept answering 5xx after every retry allowed for this call."""

    default_hint = "Anaplan had a server-side problem; retry later or check status.anaplan.com."


class TaskFailedError(AnaplanError):
    """A task failed, was cancelled, or rejected rows (see `TaskResult.outcome`); `result` holds
    the parsed result, its dumps already downloaded."""

    default_hint = "Look at the task details and any failure dumps that were downloaded."

    def __init__(self, message: str, *, result: Any, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.result = result


class TaskTimeoutError(TaskFailedError, TimeoutError):
    """The task did not end within `timeout_s`; it was cancelled on the server.

    `result` holds the task as last seen (normally CANCELLED). Subclasses TaskFailedError (exit 1:
    the task did not do its job) and the built-in TimeoutError.
    """

    default_hint = "Pass a longer timeout, or check why the task is slow (model busy?)."


class AmbiguousTaskStartError(AnaplanError):
    """A task start's answer was lost, and the task list does not say which task is ours.

    Task lists include other users' tasks and name no user, so when more than one new task
    appeared (or the only one cannot be ours), none of them is adopted: reporting another
    task's result as ours would be a silent lie.

    Attributes:
        candidates: `{"id", "state"}` of each task that appeared since the start was sent.
    """

    default_hint = "List the tasks, check the candidates and cancel any you did not want."

    def __init__(
        self, message: str, *, candidates: Sequence[dict[str, str]] = (), hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.candidates = [dict(c) for c in candidates]


class TaskInterrupted(KeyboardInterrupt):
    """Ctrl-C while a task was being started or waited for, saying what became of the task.

    A KeyboardInterrupt (so `except KeyboardInterrupt` still catches it), not an AnaplanError:
    the user stopped us, nothing failed.

    Attributes:
        message: One sentence: what was interrupted and what the server task's state is.
        hint: What to do next (the commands to check or cancel the task when it may still run).
        task_id: The server task, when known.
        state: The task's state as the server last confirmed it, or None when unknown.
        cancelled: True only when the server confirmed CANCELLED or CANCELLING.
    """

    def __init__(
        self,
        message: str,
        *,
        hint: str = "",
        task_id: str | None = None,
        state: str | None = None,
        cancelled: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.task_id = task_id
        self.state = state
        self.cancelled = cancelled

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_interrupt, (type(self), self.args, self.__dict__.copy()))


def _rebuild_interrupt(
    cls: type[TaskInterrupted], args: tuple[Any, ...], state: dict[str, Any]
) -> TaskInterrupted:
    error = cls.__new__(cls)
    KeyboardInterrupt.__init__(error, *args)
    error.__dict__.update(state)
    return error


class TransferError(AnaplanError):
    """An upload or download did not match what was sent or expected."""

    default_hint = "Run the transfer again; it resumes from the chunks that are known to be good."


class NameCandidate(tuple[str, str]):
    """A (name, id) pair offered as a suggestion or as one of several matches."""

    __slots__ = ()

    def __new__(cls, name: str, id_: str) -> NameCandidate:
        return super().__new__(cls, (name, id_))

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]
        return (self[0], self[1])

    @property
    def name(self) -> str:
        return self[0]

    @property
    def id(self) -> str:
        return self[1]


class NameResolutionError(AnaplanError):
    """A name or ID did not pick exactly one object.

    Attributes:
        kind: "workspace", "model", "file", "import", "export", "action" or "process".
        query: What the caller asked for.
        candidates: (name, id) pairs: the closest matches, or every ambiguous match.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        query: str,
        candidates: Sequence[tuple[str, str]] = (),
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.kind = kind
        self.query = query
        self.candidates = [NameCandidate(name, id_) for name, id_ in candidates]


class NameNotFoundError(NameResolutionError):
    """No object has that ID, name or code."""

    default_hint = "Check the spelling, or list the objects to see what exists."


class AmbiguousNameError(NameResolutionError):
    """More than one object has that name or code; pass the ID instead."""

    default_hint = "Several objects match; pass the ID of the one you mean."
