"""The one exception the emulator's engine raises; `render.py` turns it into Anaplan's envelopes."""

from __future__ import annotations

from http import HTTPStatus


class EmulatorError(Exception):
    """A request the emulator refuses: the api-notes §2.4 envelope
    (api-notes §3.1.6 on the auth service).

    Args:
        status: HTTP status code.
        code: short machine code (e.g. ``FAILURE_BAD_HEADER`` on the auth service, ``invalid_grant``
            on OAuth); the Integration API envelope does not show it.
        message: text for ``status.message``; defaults to the HTTP reason phrase.
        headers: extra response headers (e.g. ``Retry-After``).
    """

    def __init__(
        self,
        status: int,
        code: str = "",
        message: str | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message if message is not None else reason(status)
        self.headers = headers or {}
        super().__init__(f"{status} {self.code}: {self.message}")


def reason(status: int) -> str:
    """HTTP reason phrase for ``status`` ("Not Found")."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def not_found() -> EmulatorError:
    """The generic 404: unknown route/object, wrong-case ID and NO-ACCESS look alike
    (api-notes §2.4)."""
    return EmulatorError(404, "NOT_FOUND", "Not Found")


def forbidden() -> EmulatorError:
    """403 with the reason phrase: the caller is known but may not do this."""
    return EmulatorError(403, "FORBIDDEN", "Forbidden")


def bad_request(message: str) -> EmulatorError:
    """A 400 with the reason in ``status.message`` (api-notes §2.4)."""
    return EmulatorError(400, "BAD_REQUEST", message)
