"""Everything `create_app` needs, in one frozen dataclass (no module-level state anywhere)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyanaplan.emulator.spec import Spec

MIB = 1024 * 1024


@dataclass(frozen=True)
class EmulatorSettings:
    """How one emulator instance behaves.

    Attributes:
        data_dir: where SQLite files and blobs live (survives restarts).
        spec: a loaded spec object; when None, ``spec_path`` (or the demo spec) is loaded.
        spec_path: YAML spec file; None means the packaged demo spec.
        token_ttl_s: auth-service and OAuth token lifetime (35 min like the service,
            api-notes §3.1.7).
        max_chunk_bytes: uncompressed chunk limit (50 MiB; api-notes §7 says 50 MB).
        dump_chunk_bytes: dump chunk size (≤ 10 MB, api-notes §4.7.1).
        export_chunk_bytes: export output chunk size.
        max_json_bytes: limit for JSON request bodies.
        task_steps: default progress steps per task (spec ``settings.task_steps`` when None).
        task_step_s: default seconds per progress step.
        oauth_interval_s: device-grant polling interval told to clients.
        loopback_only_control: refuse ``/__emulator__/`` to non-loopback clients.
        control_token: the value ``/__emulator__/`` requests must send in ``X-Emulator-Token``;
            None = a fresh random one per run (read it from ``Platform.control_token``).
    """

    data_dir: Path
    spec: Spec | None = None
    spec_path: Path | None = None
    token_ttl_s: int = 2100
    max_chunk_bytes: int = 50 * MIB
    dump_chunk_bytes: int = 10 * MIB
    export_chunk_bytes: int = 10 * MIB
    max_json_bytes: int = 8 * MIB
    task_steps: int | None = None
    task_step_s: float = 0.0
    oauth_interval_s: float = 5.0
    loopback_only_control: bool = True
    control_token: str | None = None
