"""`AnaplanHook`: a pyanaplan `Client` built from an Airflow connection of type `anaplan`.

The connection is read by `connection.parse_connection` (pure, tested without Airflow); this
module adds what needs Airflow: fetching the connection, registering its secrets with Airflow's
log masker, and keeping OAuth refresh tokens, which rotate on every use (Anaplan's OAuth service
issues a new one with each access token), in an Airflow Variable so the next task, on any worker
or in the triggerer, signs in with the newest one.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseHook

from pyanaplan import (
    AnaplanError,
    AuthenticationError,
    Client,
    DeviceCode,
    RetryPolicy,
    load_settings,
)
from pyanaplan.airflow.connection import AnaplanConnection, parse_connection

if TYPE_CHECKING:
    from airflow.sdk import Connection

__all__ = ["AnaplanHook", "build_client", "read_connection"]

log = logging.getLogger(__name__)


def read_connection(conn: Connection) -> AnaplanConnection:
    """Parse an Airflow `Connection` and register its secret values with the log masker.

    Raises:
        ConfigError: The connection does not describe a usable sign-in (message names it).
    """
    from airflow.sdk.log import mask_secret

    spec = parse_connection(
        conn.conn_id,
        login=conn.login,
        password=conn.password,
        host=conn.host,
        extra=conn.extra_dejson,
    )
    for secret in spec.secrets:
        mask_secret(secret)
    return spec


def build_client(spec: AnaplanConnection, *, retry: RetryPolicy | None = None) -> Client:
    """A `Client` for the connection; no network call until it is first used.

    Settings come from the connection only (`load_settings(isolated=True)`): an ANAPLAN_TOKEN,
    ANAPLAN_* origin or default profile on the worker cannot redirect the job.
    """
    settings = load_settings(isolated=True, **spec.settings)
    if spec.auth != "refresh_token":
        return Client(settings=settings, retry=retry)
    return Client(
        settings=settings,
        retry=retry,
        token_store=VariableTokenStore(spec),
        on_device_code=_no_device_login(spec),
    )


class VariableTokenStore:
    """A pyanaplan `TokenStore` over one Airflow Variable, seeded by the connection.

    `load` prefers the Variable (the newest rotated token) over the connection's own token;
    `save` writes each new token there. `delete` (pyanaplan calls it when a token was refused)
    keeps the Variable: another process may have just rotated it, and a worker cannot run a
    device login to get a new one anyway.
    """

    def __init__(self, spec: AnaplanConnection) -> None:
        assert spec.refresh_token_variable is not None
        self.variable = spec.refresh_token_variable
        self._seed = spec.refresh_token
        self._conn_id = spec.conn_id

    def __repr__(self) -> str:
        return f"VariableTokenStore(variable={self.variable!r})"

    def load(self, key: str) -> str | None:
        from airflow.sdk import Variable
        from airflow.sdk.log import mask_secret

        stored = Variable.get(self.variable, default=None)
        token = str(stored) if stored else self._seed
        if token:
            mask_secret(token)
        return token

    def save(self, key: str, refresh_token: str) -> None:
        from airflow.sdk import Variable
        from airflow.sdk.log import mask_secret

        mask_secret(refresh_token)
        Variable.set(
            self.variable,
            refresh_token,
            description=f"Rotated Anaplan refresh token of connection {self._conn_id!r} "
            "(written by pyanaplan; do not edit).",
        )

    def delete(self, key: str) -> None:
        log.warning(
            "Anaplan refused the refresh token of connection %r (Variable %r).",
            self._conn_id,
            self.variable,
        )


def _no_device_login(spec: AnaplanConnection) -> Any:
    """pyanaplan falls back to a device login when the refresh token is refused; a worker has
    nobody to approve it, so this callback stops it with the next step instead."""

    def refuse(code: DeviceCode) -> None:
        raise AuthenticationError(
            f"Anaplan refused the refresh token of connection {spec.conn_id!r} (expired, "
            "revoked, or already rotated by a concurrent sign-in).",
            status=400,
            code="invalid_grant",
            hint="Sign in again with `pyanaplan login --client-id ID` and put the new refresh "
            f"token in the connection (or in Variable {spec.refresh_token_variable!r}).",
        )

    return refuse


class AnaplanHook(BaseHook):
    """Connects to Anaplan with an Airflow connection of type `anaplan`.

    `get_conn()` returns a pyanaplan `Client` (built once per hook; `close()` signs out). Every
    operator of this provider works through it, so a custom `@task` can too::

        with AnaplanHook("anaplan_default") as client:
            client.run_import("Load Sales", model="Revenue Plan")

    Args:
        anaplan_conn_id: The connection id.
        retry: pyanaplan retry policy for transient failures (default: the library's).
    """

    conn_name_attr = "anaplan_conn_id"
    default_conn_name = "anaplan_default"
    conn_type = "anaplan"
    hook_name = "Anaplan"

    def __init__(
        self, anaplan_conn_id: str = default_conn_name, *, retry: RetryPolicy | None = None
    ) -> None:
        super().__init__()
        self.anaplan_conn_id = anaplan_conn_id
        self.retry = retry
        self._client: Client | None = None

    def connection(self) -> AnaplanConnection:
        """The parsed connection (secrets registered with the log masker)."""
        return read_connection(self.get_connection(self.anaplan_conn_id))

    def get_conn(self) -> Client:
        """The `Client` for this connection (the same one on every call until `close()`)."""
        if self._client is None:
            spec = self.connection()
            self.log.info("Using %s", spec.describe())
            self._client = build_client(spec, retry=self.retry)
        return self._client

    def close(self) -> None:
        """Sign out (basic and certificate tokens) and close connections; safe to repeat."""
        if self._client is not None:
            client, self._client = self._client, None
            client.close()

    def __enter__(self) -> Client:
        return self.get_conn()

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        # Airflow logs an exception's message; pyanaplan's errors also say what to do next.
        if isinstance(exc, AnaplanError) and exc.hint:
            self.log.error("Next step: %s", exc.hint)
        self.close()

    def test_connection(self) -> tuple[bool, str]:
        """Sign in and read the user (the connection form's Test button)."""
        try:
            with self as client:
                user = client.whoami()
        except Exception as exc:  # the form shows the message; nothing is raised
            return False, str(exc)
        return True, f"Signed in to Anaplan as {user.email}."
