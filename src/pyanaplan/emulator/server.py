"""Run an emulator: in-process for tests (`Emulator`) or in the foreground for the CLI (`serve`)."""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyanaplan.emulator.settings import EmulatorSettings

if TYPE_CHECKING:
    from pyanaplan.emulator.platform import Platform
    from pyanaplan.emulator.spec import Spec

START_TIMEOUT_S = 15.0


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Answers go out as header + body writes; without NODELAY a delayed ACK adds ~40 ms each.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(512)
    sock.setblocking(False)
    return sock


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts local connections."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Emulator:
    """A local Anaplan on a free port, served by uvicorn in a background thread.

    Use as a context manager::

        with Emulator() as emu:
            httpx2.post(f"{emu.auth_url}/token/authenticate", auth=emu.users[0])

    Args:
        spec: a spec object (``load_spec``/``parse_spec``), a YAML path, or None for the demo spec.
        data_dir: where state lives; None = a temporary directory removed on stop (``--in-memory``).
        host: interface to bind (loopback by default).
        port: 0 picks a free port.
        token_ttl_s: token lifetime in seconds.
        tls: serve https with a local CA (see `ca_path`).
        task_step_s: default seconds per task progress step.
        oauth_interval_s: device-grant polling interval told to clients.
        control_token: what ``/__emulator__/`` requests must send in ``X-Emulator-Token``; None
            (the default) makes a fresh random one, readable as `control_token` once started.
            The Python controls below need no token.
        export_chunk_bytes: size of export output chunks (tests use small ones to get
            multi-chunk outputs from small models); None for the default.
    """

    def __init__(
        self,
        spec: Spec | str | Path | None = None,
        data_dir: str | Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        token_ttl_s: int = 2100,
        tls: bool = False,
        *,
        task_step_s: float = 0.0,
        oauth_interval_s: float = 5.0,
        control_token: str | None = None,
        export_chunk_bytes: int | None = None,
    ) -> None:
        self._spec = spec
        self._export_chunk_bytes = export_chunk_bytes
        self._data_dir_arg = Path(data_dir) if data_dir is not None else None
        self.host = host
        self._port = port
        self.token_ttl_s = token_ttl_s
        self.tls = tls
        self._task_step_s = task_step_s
        self._oauth_interval_s = oauth_interval_s
        self._control_token = control_token
        self._tmp: str | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.app: Any = None
        self.data_dir: Path | None = None
        self.port: int = 0
        self.ca_path: Path | None = None

    # ---- lifecycle ----------------------------------------------------------------------------
    def start(self) -> Emulator:
        """Start serving; returns once the port accepts connections (bounded wait)."""
        import uvicorn

        from pyanaplan.emulator.app import create_app

        if self._data_dir_arg is None:
            self._tmp = tempfile.mkdtemp(prefix="pyanaplan-emulator-")
            self.data_dir = Path(self._tmp)
        else:
            self.data_dir = self._data_dir_arg
            self.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._launch(uvicorn, create_app)
        except BaseException:
            # A bad spec or a busy port must not leave the temporary data directory behind.
            self.stop()
            raise
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._server.started:
            alive = self._thread is not None and self._thread.is_alive()
            if not alive or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the emulator did not start")
            time.sleep(0.01)
        return self

    def _launch(self, uvicorn: Any, create_app: Any) -> None:
        """Build the app, bind the port and start uvicorn's thread (start()'s fallible part)."""
        assert self.data_dir is not None
        spec, spec_path = None, None
        if isinstance(self._spec, str | Path):
            spec_path = Path(self._spec)
        else:
            spec = self._spec
        settings = EmulatorSettings(
            data_dir=self.data_dir,
            spec=spec,
            spec_path=spec_path,
            token_ttl_s=self.token_ttl_s,
            task_step_s=self._task_step_s,
            oauth_interval_s=self._oauth_interval_s,
            control_token=self._control_token,
        )
        if self._export_chunk_bytes is not None:
            settings = dataclasses.replace(settings, export_chunk_bytes=self._export_chunk_bytes)
        self.app = create_app(settings)
        ssl_kwargs: dict[str, Any] = {}
        if self.tls:
            from pyanaplan.emulator.tls import ensure_server_certificate

            names = {self.host, "127.0.0.1", "localhost"}
            paths = ensure_server_certificate(self.data_dir / "tls", hosts=sorted(names))
            self.ca_path = paths.ca_cert
            ssl_kwargs = {
                "ssl_certfile": str(paths.server_cert),
                "ssl_keyfile": str(paths.server_key),
            }
        sock = _bind(self.host, self._port)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            date_header=False,  # the app stamps Date from the emulator's clock (faults.py)
            lifespan="on",
            timeout_graceful_shutdown=2,
            # h11 and the asyncio loop, whatever else is installed: uvicorn would pick httptools
            # and uvloop when present (Apache Airflow's dependencies bring both), and httptools
            # ignores this header-size limit (tests/reliability/test_rel_hardening.py).
            http="h11",
            loop="asyncio",
            h11_max_incomplete_event_size=64 * 1024,
            **ssl_kwargs,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            name=f"emulator-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and remove a temporary data directory."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- addresses ----------------------------------------------------------------------------
    @property
    def origin(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{_url_host(self.host)}:{self.port}"

    @property
    def api_url(self) -> str:
        """Integration API origin (clients append ``/2/0``)."""
        return self.origin

    @property
    def auth_url(self) -> str:
        """Auth service origin (``/token/…``)."""
        return self.origin

    @property
    def oauth_url(self) -> str:
        """OAuth origin (``/oauth/…``)."""
        return self.origin

    @property
    def users(self) -> list[tuple[str, str]]:
        """(email, password) of every spec user; the first is the demo user."""
        return [(u.email, u.password) for u in self._platform.directory.users]

    @property
    def control_token(self) -> str:
        """This run's token for ``/__emulator__/`` over HTTP (header ``X-Emulator-Token``)."""
        return str(self._platform.control_token)

    @property
    def control_headers(self) -> dict[str, str]:
        """Headers a ``/__emulator__/`` request over HTTP needs: the token and JSON type."""
        from pyanaplan.emulator.control import TOKEN_HEADER

        return {TOKEN_HEADER: self.control_token, "Content-Type": "application/json"}

    @property
    def _platform(self) -> Platform:
        if self.app is None:
            raise RuntimeError("the emulator is not running")
        plat: Platform = self.app.state.platform
        return plat

    # ---- test controls (same as /__emulator__/) -----------------------------------------------
    def reset(self) -> None:
        """Back to the spec's state; clears faults, bandwidth caps, clock offset, request log."""
        self._platform.control.reset()

    def inject(
        self,
        path: str = "*",
        method: str | None = None,
        status: int | None = None,
        *,
        retry_after: float | None = None,
        retry_after_http_date: bool = False,
        drop: bool = False,
        delay_s: float = 0.0,
        expire_token: bool = False,
        times: int | None = 1,
        fraction: float | None = None,
        message: str | None = None,
    ) -> int:
        """Add a fault rule; returns its id. See `pyanaplan.emulator.faults.FaultRule`."""
        return self._platform.control.inject(
            path=path,
            method=method,
            status=status,
            retry_after=retry_after,
            retry_after_http_date=retry_after_http_date,
            drop=drop,
            delay_s=delay_s,
            expire_token=expire_token,
            times=times,
            fraction=fraction,
            message=message,
        )

    def clear_faults(self) -> None:
        """Switch every fault rule off; `faults` still lists them with their counts."""
        self._platform.control.clear_faults()

    def faults(self) -> list[dict[str, Any]]:
        """Every fault rule since the last reset, as ``GET /__emulator__/faults`` lists them:
        the fields given to `inject` plus ``id``, ``matched`` (requests that reached the rule
        with its method and path), ``fired`` and ``active``."""
        return self._platform.control.faults()

    def set_bandwidth(
        self, request_bps: float | None = None, response_bps: float | None = None
    ) -> None:
        """Cap request/response body throughput in bytes per second (None = unlimited)."""
        self._platform.control.set_bandwidth(request_bps, response_bps)

    def advance_clock(self, seconds: float) -> float:
        """Move the emulated clock forward (token, file and dump expiry)."""
        return self._platform.control.advance_clock(seconds)

    def set_task_timing(self, steps: int = 3, step_s: float = 0.0) -> None:
        """Tasks take ``steps`` progress steps of ``step_s`` seconds after the engine ran."""
        self._platform.control.set_task_timing(steps, step_s)

    def set_rejected_rows_successful(self, successful: bool) -> None:
        """Imports that reject rows report ``successful: <successful>`` (with
        ``failureDumpAvailable: true`` either way) until the next reset."""
        self._platform.control.set_rejected_rows_successful(successful)

    def requests(self) -> list[dict[str, Any]]:
        """``[{method, path, status, request_bytes}]`` since the last reset."""
        return self._platform.control.requests()

    def approve_device(self, user_code: str, email: str | None = None) -> None:
        """Approve an OAuth device code as ``email`` (default: the first spec user)."""
        self._platform.control.approve_device(user_code, email)

    def deny_device(self, user_code: str) -> None:
        self._platform.control.approve_device(user_code, None, approve=False)

    def register_certificate(self, email: str, pem: str | bytes) -> str:
        """Register a PEM certificate for CA-certificate sign-in; returns its fingerprint."""
        text = pem.decode() if isinstance(pem, bytes) else pem
        return self._platform.control.register_certificate(email, text)

    def set_oauth_interval(self, seconds: float) -> None:
        """Device-grant polling interval (slow_down below it)."""
        self._platform.control.set_oauth_interval(seconds)

    def arm_crash_point(self, point: str) -> None:
        """Park the next task worker that reaches ``point`` there, so a test can kill the process.

        Points (`pyanaplan.emulator.engine.crash_points.POINTS`): ``task-before-model-commit``
        and ``task-after-model-commit``. Only meaningful for an emulator in a process of its
        own (``pyanaplan emulator serve``, over HTTP): in this process, killing it would kill
        the caller too. `crash_points` shows when a worker has reached the point.
        """
        self._platform.control.arm_crash_point(point)

    def crash_points(self) -> dict[str, str]:
        """``{point: "armed" | "reached"}`` for every armed crash point."""
        return self._platform.control.crash_points()

    def disarm_crash_points(self) -> None:
        """Disarm every crash point; a parked worker carries on (a reset does this too)."""
        self._platform.control.disarm_crash_points()


def env_lines(
    origin: str, email: str, password: str, *, control_token: str | None = None
) -> list[str]:
    """``export ANAPLAN_…=…`` lines pointing a client at the emulator, plus the control token
    (``PYANAPLAN_EMULATOR_TOKEN``, for scripts that drive ``/__emulator__/``) when given."""
    lines = [
        f"export ANAPLAN_API_URL={origin}",
        f"export ANAPLAN_AUTH_URL={origin}",
        f"export ANAPLAN_OAUTH_URL={origin}",
        f"export ANAPLAN_USER={email}",
        f"export ANAPLAN_PASSWORD={password}",
    ]
    if control_token is not None:
        from pyanaplan.emulator.control import TOKEN_ENV

        lines.append(f"export {TOKEN_ENV}={control_token}")
    return lines


def serve(
    host: str = "127.0.0.1",
    port: int = 8650,
    data_dir: str | Path | None = None,
    in_memory: bool = False,
    spec: str | Path | None = None,
    token_ttl_s: int = 2100,
    tls: bool = False,
    env_file: str | Path | None = None,
    print_fn: Callable[[str], None] = print,
    *,
    stop_event: threading.Event | None = None,
    control_token: str | None = None,
) -> int:
    """Run the emulator in the foreground until Ctrl-C (``pyanaplan emulator serve``).

    Prints the base URLs, the spec users' credentials, ``export ANAPLAN_…`` lines and the
    control token as ``export PYANAPLAN_EMULATOR_TOKEN=…`` (all also written to ``env_file``
    with mode 0600 when given); warns when the host is not loopback.

    Args:
        host: interface to bind.
        port: TCP port (0 = any free port).
        data_dir: state directory (default: the platform's user data dir, unless ``in_memory``).
        in_memory: keep state in a temporary directory removed on exit.
        spec: YAML spec path (None = demo spec).
        token_ttl_s: token lifetime.
        tls: serve https with a generated local CA.
        env_file: where to write the export lines.
        print_fn: output function (the CLI passes its console printer).
        stop_event: when set, the server stops (tests).
        control_token: the ``/__emulator__/`` token; None = a fresh random one (printed).

    Returns:
        Exit code 0.
    """
    if data_dir is None and not in_memory:
        import platformdirs

        data_dir = Path(platformdirs.user_data_dir("pyanaplan")) / "emulator"
    if not is_loopback(host):
        print_fn(
            f"Warning: binding {host}, which is not a loopback address: anyone who can reach "
            "this machine can use the emulator and its demo credentials."
        )
    emu = Emulator(
        spec=spec,
        data_dir=None if in_memory else data_dir,
        host=host,
        port=port,
        token_ttl_s=token_ttl_s,
        tls=tls,
        control_token=control_token,
    )
    emu.start()
    try:
        origin = emu.origin
        print_fn(f"Anaplan emulator running at {origin}")
        print_fn(f"  Integration API: {origin}/2/0   auth: {origin}/token   OAuth: {origin}/oauth")
        print_fn(f"  Data directory: {'(in memory)' if in_memory else emu.data_dir}")
        if emu.ca_path is not None:
            print_fn(f"  TLS: trust this CA certificate: {emu.ca_path}")
        for email, password in emu.users:
            print_fn(f"  User: {email}  password: {password}")
        if emu.users:
            email, password = emu.users[0]
            lines = env_lines(origin, email, password, control_token=emu.control_token)
        else:  # a spec without users: only the controls are usable
            lines = env_lines(origin, "", "", control_token=emu.control_token)[-1:]
        if emu.ca_path is not None:
            lines.append(f"export ANAPLAN_CA_BUNDLE={emu.ca_path}")
        for line in lines:
            print_fn(line)
        if env_file is not None:
            _write_private(Path(env_file), "\n".join(lines) + "\n")
            print_fn(f"  Wrote {env_file}")
        print_fn("Press Ctrl-C to stop.")
        waiter = stop_event or threading.Event()
        try:
            while not waiter.wait(0.5):
                if emu._thread is None or not emu._thread.is_alive():
                    break
        except KeyboardInterrupt:
            pass
    finally:
        emu.stop()
    return 0


def _write_private(path: Path, text: str) -> None:
    """Write a file readable by the owner only (it holds a password)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(path, 0o600)
