"""A slow link in front of the emulator: ``python -m pabench.linkcap PORT UP_BPS [DOWN_BPS]``.

A TCP proxy on 127.0.0.1 whose bandwidth is shared by **all** connections, like a real uplink.
(The emulator's own ``set_bandwidth`` sleeps per request, so N parallel chunk PUTs get N times the
cap, which flatters whoever opens more connections; see docs/benchmarks.md.) The proxy prints its
port on stdout and runs until stdin closes.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from types import TracebackType

_READ = 64 * 1024


class Link:
    """One direction of the link: transmissions take turns, each occupying ``n / bps`` seconds."""

    def __init__(self, bps: float | None) -> None:
        self.bps = bps
        self._free_at = 0.0

    async def send(self, nbytes: int) -> None:
        if not self.bps:
            return
        now = time.monotonic()
        self._free_at = max(now, self._free_at) + nbytes / self.bps
        await asyncio.sleep(self._free_at - now)


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: Link) -> None:
    try:
        while data := await reader.read(_READ):
            await link.send(len(data))
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def _serve(upstream_port: int, up: Link, down: Link) -> None:
    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", upstream_port)
        except OSError:
            client_w.close()
            return
        await asyncio.gather(_pump(client_r, server_w, up), _pump(server_r, client_w, down))

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the harness closes our stdin
    server.close()


class LinkProxy:
    """Harness side: run the proxy in a child process in front of ``upstream_origin``.

    Args:
        upstream_origin: The emulator's origin, ``http://127.0.0.1:PORT``.
        up_bps: Client-to-server cap in bytes per second (shared by all connections).
        down_bps: Server-to-client cap, or None for uncapped.
    """

    def __init__(self, upstream_origin: str, up_bps: float, down_bps: float | None = None) -> None:
        from pabench.runner import worker_env

        port = upstream_origin.rsplit(":", 1)[1].strip("/")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "pabench.linkcap", port, str(up_bps), str(down_bps or 0)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=worker_env(),
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline().strip()
        if not line:
            self.close()
            raise RuntimeError("the link proxy did not start")
        self.origin = f"http://127.0.0.1:{int(line)}"

    def close(self) -> None:
        """Stop the proxy (close its stdin; kill after 10 s)."""
        if self._proc.stdin:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()

    def __enter__(self) -> LinkProxy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def main(argv: list[str]) -> int:
    upstream_port = int(argv[1])
    up = Link(float(argv[2]) or None)
    down = Link(float(argv[3]) if len(argv) > 3 and float(argv[3]) else None)
    asyncio.run(_serve(upstream_port, up, down))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
