"""`Platform`: one emulator instance, its storage and engine services wired together.

`create_app` (app.py) builds one and puts it on ``app.state.platform``; routes reach the engine
services through it and nothing else. It lives in its own module so that the routes, the control
API and `server.Emulator` can name it without importing the app that imports them.
"""

from __future__ import annotations

import secrets

from pyanaplan.emulator.control import Control
from pyanaplan.emulator.control_bodies import BandwidthCaps
from pyanaplan.emulator.engine.auth import AuthService
from pyanaplan.emulator.engine.clock import Clock
from pyanaplan.emulator.engine.crash_points import CrashPoints
from pyanaplan.emulator.engine.directory import Directory
from pyanaplan.emulator.engine.dumps import DumpService
from pyanaplan.emulator.engine.files import FileService
from pyanaplan.emulator.engine.model_data import ModelDataService
from pyanaplan.emulator.engine.tasks import TaskService, TaskTiming
from pyanaplan.emulator.faults import Bandwidth, FaultSet, RequestLog
from pyanaplan.emulator.settings import EmulatorSettings
from pyanaplan.emulator.spec import load_spec
from pyanaplan.emulator.storage.blobs import BlobStore
from pyanaplan.emulator.storage.db import Database
from pyanaplan.emulator.storage.model_store import ModelStores
from pyanaplan.emulator.storage.platform_schema import PLATFORM_SCHEMA
from pyanaplan.emulator.storage.platform_store import PlatformStore


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
        self.store = PlatformStore(Database(data_dir / "platform.sqlite3", PLATFORM_SCHEMA))
        self.blobs = BlobStore(data_dir / "blobs")
        self.blobs.sweep_temp()  # bodies half-received before a crash were never acknowledged
        self.directory = Directory(spec, self.clock)
        self.model_data = ModelDataService(ModelStores(data_dir / "models"), self.directory)
        self.auth = AuthService(
            self.store,
            self.directory,
            self.clock,
            token_ttl_s=settings.token_ttl_s,
            oauth_auto_approve=spec.settings.oauth_auto_approve,
            oauth_interval_s=settings.oauth_interval_s,
            legacy_certificates=spec.settings.legacy_certificate_auth == "accept",
        )
        self.files = FileService(
            self.store,
            self.blobs,
            self.directory,
            self.clock,
            max_chunk_bytes=settings.max_chunk_bytes,
        )
        steps = settings.task_steps
        if steps is None:
            steps = spec.settings.task_steps
        self.tasks = TaskService(
            self.store,
            self.model_data,
            self.directory,
            self.files,
            self.blobs,
            self.clock,
            timing=TaskTiming(steps, settings.task_step_s),
            export_chunk_bytes=settings.export_chunk_bytes,
            crash_points=CrashPoints(),
            rejected_rows_successful=spec.settings.rejected_rows_successful,
        )
        self.dumps = DumpService(
            self.store,
            self.blobs,
            self.clock,
            find_task=self.tasks.task,
            dump_chunk_bytes=settings.dump_chunk_bytes,
        )
        self.faults = FaultSet()
        self.bandwidth = Bandwidth()
        self.log = RequestLog()
        # Every /__emulator__/ request must carry this (routes/control.py): a web page the
        # developer visits cannot learn it, so it cannot reset or fault a local emulator.
        self.control_token = settings.control_token or secrets.token_urlsafe(24)
        self.control = Control(
            reset=self.reset,
            clock=self.clock,
            auth=self.auth,
            tasks=self.tasks,
            faults=self.faults,
            bandwidth=self.bandwidth,
            log=self.log,
        )

    def model_ids(self) -> list[str]:
        return [m.id for m in self.directory.models]

    def start(self) -> None:
        """Seed fresh model databases and recover tasks interrupted by a restart."""
        for model_id in self.model_ids():
            self.model_data.store(model_id)
        self.tasks.recover()

    def reset(self) -> None:
        """Back to the spec's state."""
        self.tasks.reset(self.model_ids())
        self.store.clear()
        self.blobs.clear()
        self.clock.reset()
        self.faults.clear()
        self.bandwidth.set(BandwidthCaps(request_bps=None, response_bps=None))
        self.log.clear()
        self.auth.reset()
        self.directory.reset()

    def close(self) -> None:
        self.tasks.shutdown()
        self.model_data.close()
        self.store.close()
