"""Re-raise API errors with the object they concern: the Client's context for its messages.

The HTTP layer knows a method and a URL; only the Client knows that the URL was "file
'Sales.csv' in model 'Sales Planning'", or that a 404 on a task of an import it has just found
means that there is no such task. These context managers add that knowledge, keeping the error's
class and fields (so exit codes and `except` clauses are unchanged).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pyanaplan.errors import APIError, BadRequestError, NotFoundError

__all__ = ["MAX_FILE_NAME", "about", "creating_file", "no_such_task"]

#: Anaplan answers 400 "Invalid file name." to a name it refuses when creating a file; the
#: emulator refuses names over 255 characters (the usual file-system limit), hence this bound.
MAX_FILE_NAME = 255


@contextmanager
def about(what: str) -> Iterator[None]:
    """Prefix API errors raised inside with the object they concern (same class and fields)."""
    try:
        yield
    except APIError as exc:
        raise type(exc)(
            f"{what}: {exc.message}",
            status=exc.status,
            code=exc.code,
            request_id=exc.request_id,
            method=exc.method,
            url=exc.url,
            hint=exc.hint,
        ) from exc


@contextmanager
def creating_file(name: str | None) -> Iterator[None]:
    """A 400 while creating a file is about its name: say so (exit 2), with the name's length."""
    try:
        yield
    except BadRequestError as exc:
        if name is None:
            raise
        length = f"{len(name)} characters"
        problem = "is too long" if len(name) > MAX_FILE_NAME else "is not accepted"
        raise BadRequestError(
            f"Anaplan refused to create a file named {name[:60]!r}"
            f"{'…' if len(name) > 60 else ''} ({length}): the name {problem}.",
            status=exc.status,
            code=exc.code,
            request_id=exc.request_id,
            method=exc.method,
            url=exc.url,
            hint=f"Use a shorter name (at most {MAX_FILE_NAME} characters) without control "
            "characters such as tabs or line breaks.",
        ) from exc


@contextmanager
def no_such_task(kind: str, found: Any, task_id: str, ref: Any) -> Iterator[None]:
    """A 404 for a task of an object that was just found means there is no such task."""
    try:
        yield
    except NotFoundError as exc:
        raise NotFoundError(
            f"{kind.capitalize()} '{found.name}' ({found.id}) in {ref.describe()} has no task "
            f"{task_id}.",
            status=exc.status,
            code=exc.code,
            request_id=exc.request_id,
            method=exc.method,
            url=exc.url,
            hint=f"Task IDs are case-sensitive; list the {kind}'s tasks to see them "
            f"(pyanaplan tasks {kind} NAME, or client.tasks()).",
        ) from exc
