"""`create_app(settings)`: wires storage, engine, routes, error handlers and fault middleware.

Everything lives on the returned app (``app.state.platform``); there is no module-level state, so
two emulators can run side by side in one process.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import secrets
import sqlite3
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from pyanaplan.emulator import control
from pyanaplan.emulator.control_bodies import BandwidthCaps
from pyanaplan.emulator.engine.auth import AuthService
from pyanaplan.emulator.engine.clock import Clock
from pyanaplan.emulator.engine.crash_points import CrashPoints
from pyanaplan.emulator.engine.directory import Directory
from pyanaplan.emulator.engine.dumps import DumpService
from pyanaplan.emulator.engine.errors import EmulatorError
from pyanaplan.emulator.engine.files import FileService
from pyanaplan.emulator.engine.tasks import TaskService, TaskTiming
from pyanaplan.emulator.faults import Bandwidth, FaultMiddleware, FaultSet, RequestLog
from pyanaplan.emulator.render import error_response, generic_error, request_path
from pyanaplan.emulator.settings import EmulatorSettings
from pyanaplan.emulator.spec import ModelSpec, load_spec
from pyanaplan.emulator.storage.blobs import BlobStore
from pyanaplan.emulator.storage.db import PLATFORM_SCHEMA, Database, ModelDatabases

log = logging.getLogger(__name__)
ROUTE_MODULES = ("auth", "oauth", "metadata", "files", "actions", "tasks", "dumps", "legacy")


def _seed_model(conn: sqlite3.Connection, model_spec: ModelSpec) -> None:
    """The model engine's seeding (engine/runner.py); a no-op while it is not there."""
    try:
        from pyanaplan.emulator.engine.runner import seed_model
    except ImportError:
        log.warning("engine.runner.seed_model is missing; model data starts empty")
        return
    seed_model(conn, model_spec)


class Platform:
    """One emulator instance: settings, spec, storage and engine services.

    Args:
        settings: how this instance behaves.
    """

    def __init__(self, settings: EmulatorSettings) -> None:
        self.settings = settings
        spec = settings.spec
        if spec is None:
            spec = load_spec(settings.spec_path)
        self.spec = spec
        data_dir = settings.data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.clock = Clock()
        self.db = Database(data_dir / "platform.sqlite3", PLATFORM_SCHEMA)
        self.model_dbs = ModelDatabases(data_dir / "models")
        self.blobs = BlobStore(data_dir / "blobs")
        self.blobs.sweep_temp()  # bodies half-received before a crash were never acknowledged
        self.directory = Directory(spec, self.clock)
        self.auth = AuthService(
            self.db.conn,
            self.directory,
            self.clock,
            token_ttl_s=settings.token_ttl_s,
            oauth_auto_approve=spec.settings.oauth_auto_approve,
            oauth_interval_s=settings.oauth_interval_s,
        )
        self.files = FileService(
            self.db.conn,
            self.blobs,
            self.directory,
            self.clock,
            max_chunk_bytes=settings.max_chunk_bytes,
        )
        steps = settings.task_steps
        if steps is None:
            steps = spec.settings.task_steps
        self.tasks = TaskService(
            self.db,
            self.model_dbs,
            self.directory,
            self.files,
            self.blobs,
            self.clock,
            timing=TaskTiming(steps, settings.task_step_s),
            export_chunk_bytes=settings.export_chunk_bytes,
            seed=_seed_model,
            crash_points=CrashPoints(),
            rejected_rows_successful=spec.settings.rejected_rows_successful,
        )
        self.dumps = DumpService(
            self.db,
            self.blobs,
            self.clock,
            task_row=self.tasks.task_row,
            dump_chunk_bytes=settings.dump_chunk_bytes,
        )
        self.faults = FaultSet()
        self.bandwidth = Bandwidth()
        self.log = RequestLog()
        # Every /__emulator__/ request must carry this (control.py): a web page the developer
        # visits cannot learn it, so it cannot reset or fault a local emulator.
        self.control_token = settings.control_token or secrets.token_urlsafe(24)
        self.control = control.Control(self)

    def model_ids(self) -> list[str]:
        return [m.id for m in self.directory.models]

    def start(self) -> None:
        """Seed fresh model databases and recover tasks interrupted by a restart."""
        for model_id in self.model_ids():
            self.tasks.model_db(model_id)
        self.tasks.recover()

    def reset(self) -> None:
        """Back to the spec's state."""
        self.tasks.reset(self.model_ids())
        self.db.clear()
        self.blobs.clear()
        self.clock.reset()
        self.faults.clear()
        self.bandwidth.set(BandwidthCaps(request_bps=None, response_bps=None))
        self.log.clear()
        self.auth.reset()
        self.directory.reset()

    def close(self) -> None:
        self.tasks.shutdown()
        self.model_dbs.close()
        self.db.close()


def _routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for name in ROUTE_MODULES:
        try:
            module = importlib.import_module(f"pyanaplan.emulator.routes.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"pyanaplan.emulator.routes.{name}":
                continue  # optional area (the /1/3 tree) not installed
            raise
        routes.extend(module.ROUTES)
    routes.extend(control.ROUTES)
    return routes


async def _emulator_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, EmulatorError)
    return error_response(exc, request_path(request))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    # Unknown routes are the same generic 404 as unknown objects; wrong verbs are 405 (§2.4).
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
        routes=_routes(),
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


__all__ = ["Platform", "create_app"]
