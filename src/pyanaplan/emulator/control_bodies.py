"""What the control API accepts, declared: one frozen model per request body.

Both faces of the controls (``/__emulator__/`` over HTTP and the `Emulator` Python API) check
their values here before anything changes. Numbers must be finite and inside a range, types are
strict (``"3"`` is not 3, ``1`` is not ``true``) and unknown fields are refused, because one bad
value used to stick: ``{"advance_s": NaN}`` made the clock NaN and every later request a 500
until a restart (issue 10 item 7).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pyanaplan.emulator.engine.clock import MAX_OFFSET_S
from pyanaplan.emulator.engine.crash_points import POINTS

B = TypeVar("B", bound=BaseModel)
MAX_DELAY_S = 3600.0
MAX_RETRY_AFTER_S = 7 * 86400.0
MAX_BPS = 1e12
MAX_TASK_STEPS = 10_000
MAX_STEP_S = 3600.0
MAX_FAULT_TIMES = 1_000_000
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


class FaultSpec(_Body):
    """One fault rule (`faults.FaultRule` says what each field does)."""

    path: str = Field("*", min_length=1, max_length=2000)
    method: str | None = None
    status: int | None = Field(None, ge=100, le=599)
    retry_after: float | None = Field(None, ge=0, le=MAX_RETRY_AFTER_S)
    retry_after_http_date: bool = False
    drop: bool = False
    delay_s: float = Field(0.0, ge=0, le=MAX_DELAY_S)
    expire_token: bool = False
    times: int | None = Field(1, ge=1, le=MAX_FAULT_TIMES)
    fraction: float | None = Field(None, ge=0, le=1)
    message: str | None = Field(None, max_length=2000)

    @field_validator("method")
    @classmethod
    def _known_method(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.upper() not in HTTP_METHODS:
            raise ValueError(f"must be one of {', '.join(HTTP_METHODS)}")
        return value.upper()

    @model_validator(mode="after")
    def _does_something(self) -> FaultSpec:
        if self.status is None and not (self.drop or self.delay_s or self.expire_token):
            raise ValueError("a fault needs status, drop, delay_s or expire_token")
        return self


class ClockAdvance(_Body):
    """``POST /__emulator__/clock``: seconds to move the clock forward."""

    advance_s: float = Field(0.0, ge=0, le=MAX_OFFSET_S)


def _bandwidth(value: float | None) -> float | None:
    # 0 and null both mean "no cap"; a positive cap under 1 B/s would turn a chunk into a sleep
    # longer than the event loop can schedule.
    if value is not None and 0 < value < 1:
        raise ValueError("must be 0 (no cap) or at least 1 byte per second")
    return value or None


class BandwidthCaps(_Body):
    """``POST /__emulator__/bandwidth``: bytes per second, null or 0 for no cap."""

    request_bps: float | None = Field(None, ge=0, le=MAX_BPS)
    response_bps: float | None = Field(None, ge=0, le=MAX_BPS)

    _caps = field_validator("request_bps", "response_bps")(_bandwidth)


class TaskTimingBody(_Body):
    """``POST /__emulator__/task-timing``: progress steps per task and seconds per step."""

    steps: int = Field(3, ge=0, le=MAX_TASK_STEPS)
    step_s: float = Field(0.0, ge=0, le=MAX_STEP_S)


class OAuthInterval(_Body):
    """``POST /__emulator__/oauth``: the device-grant polling interval told to clients."""

    interval_s: float = Field(5.0, ge=0, le=MAX_STEP_S)


class DeviceDecision(_Body):
    """``POST /__emulator__/devices/{user_code}/{approve|deny}``: as whom (default first user)."""

    email: str | None = Field(None, max_length=320)


class CertificateBody(_Body):
    """``POST /__emulator__/users/{email}/certificates``: the PEM to register."""

    pem: str = Field(min_length=1, max_length=1 << 20)


class CrashPointBody(_Body):
    """``POST /__emulator__/crash-points``: the engine point to park the next worker at."""

    point: str

    @field_validator("point")
    @classmethod
    def _known_point(cls, value: str) -> str:
        if value not in POINTS:
            raise ValueError(f"must be one of {', '.join(POINTS)}")
        return value


class RejectedRowsBody(_Body):
    """``POST /__emulator__/rejected-rows``: what ``successful`` says for rejected rows."""

    successful: bool


def checked(model: type[B], data: Mapping[str, Any]) -> B:
    """``data`` as a ``model``, or ValueError with one line naming each bad field.

    Raises:
        ValueError: a field is unknown, missing, of the wrong type, non-finite or out of range.
    """
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        raise ValueError(describe(exc)) from None


def describe(exc: ValidationError) -> str:
    """``field: problem; field: problem`` (pydantic's own text, without its preamble)."""
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts) + "."
