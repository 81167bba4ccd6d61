"""`create_app(settings)`: wires storage, engine, routes, error handlers and fault middleware.

Everything lives on the returned app (``app.state.platform``); there is no module-level state, so
two emulators can run side by side in one process.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from pyanaplan.emulator.engine.errors import EmulatorError
from pyanaplan.emulator.faults import FaultMiddleware
from pyanaplan.emulator.platform import Platform
from pyanaplan.emulator.render import error_response, generic_error, request_path
from pyanaplan.emulator.routes import (
    actions,
    auth,
    control,
    dumps,
    files,
    legacy,
    metadata,
    oauth,
    tasks,
)
from pyanaplan.emulator.settings import EmulatorSettings

log = logging.getLogger(__name__)


def routes() -> list[BaseRoute]:
    """Every route the emulator serves, one module per API area (routes/)."""
    return [
        *auth.ROUTES,  # /token/… (auth service)
        *oauth.ROUTES,  # /oauth/…, /activate
        *metadata.ROUTES,  # /2/0 users, workspaces, models
        *files.ROUTES,  # /2/0 …/files
        *actions.ROUTES,  # /2/0 …/imports, exports, actions, processes
        *tasks.ROUTES,  # /2/0 …/{kind}/{id}/tasks
        *dumps.ROUTES,  # /2/0 …/tasks/{id}/dump(s)
        *legacy.ROUTES,  # /1/3 …
        *control.ROUTES,  # /__emulator__/…
    ]


async def _emulator_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, EmulatorError)
    return error_response(exc, request_path(request))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    # Unknown routes are the same generic 404 as unknown objects; wrong verbs are 405
    # (api-notes §2.4).
    headers = dict(exc.headers or {})
    return generic_error(exc.status_code, request_path(request), headers=headers)


async def _crash(request: Request, exc: Exception) -> Response:
    log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return generic_error(500, request_path(request), "Internal Server Error")


def create_app(settings: EmulatorSettings) -> Starlette:
    """Build one emulator as a Starlette app.

    Args:
        settings: data directory, spec, token lifetime, limits.

    Returns:
        The app; ``app.state.platform`` is the instance (engine, storage, controls).
    """
    plat = Platform(settings)
    plat.start()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        plat.close()

    app = Starlette(
        routes=routes(),
        middleware=[
            Middleware(
                FaultMiddleware,
                faults=plat.faults,
                bandwidth=plat.bandwidth,
                log=plat.log,
                expire_token=plat.auth.expire,
                clock=plat.clock,
            )
        ],
        exception_handlers={
            EmulatorError: _emulator_error,
            HTTPException: _http_error,
            Exception: _crash,
        },
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False
    app.state.platform = plat
    return app


__all__ = ["create_app", "routes"]
