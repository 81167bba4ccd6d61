"""One upload per server file at a time, across processes on this machine.

Two processes uploading to the same file interleave their chunks: both `complete` calls succeed
and the server holds a mix of the two sources. An exclusive lock per (API origin, workspace, model,
file name), held for the whole upload and its resume journal, makes the second process wait a
little and then refuse with one sentence naming the holder.

The lock is an OS advisory lock (`fcntl.flock`, or `msvcrt.locking` on Windows) on a file in the
cache dir, so the kernel releases it when its holder dies, even by SIGKILL: a crashed upload never
leaves a stale lock behind. The file itself stays (it holds the holder's process id, for the
message); only the lock matters.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from pyanaplan.errors import TransferError

__all__ = ["LOCK_WAIT_S", "upload_lock"]

log = logging.getLogger(__name__)

#: How long a second upload to the same file waits for the first before refusing.
LOCK_WAIT_S = 2.0
_POLL_S = 0.1


@contextlib.contextmanager
def upload_lock(
    cache_dir: Path,
    key_digest: str,
    *,
    label: str,
    wait_s: float = LOCK_WAIT_S,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[None]:
    """Hold the upload lock for one server file while the block runs.

    Args:
        cache_dir: The user cache dir; locks live in `cache_dir/uploads/`.
        key_digest: `UploadKey.digest()` of the server file.
        label: Names the file in the refusal.
        wait_s: Seconds to wait for another holder before refusing.
        sleep: Sleep function (tests pass a fake).
        clock: Monotonic clock (tests pass a fake).

    Raises:
        TransferError: Another process on this machine holds the lock for longer than `wait_s`.
    """
    path = Path(cache_dir) / "uploads" / f"{key_digest}.lock"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = clock() + wait_s
        while not _try_lock(fd):
            if clock() >= deadline:
                holder = _holder(fd)
                raise TransferError(
                    f"Another upload to {label} is running on this machine"
                    + (f" (process {holder})" if holder else "")
                    + "; this one was not started, so the two cannot mix their chunks.",
                    hint="Wait for the other upload to finish (or stop it), then run this one "
                    "again.",
                )
            sleep(_POLL_S)
        try:
            with contextlib.suppress(OSError):  # the pid is only for the message
                os.lseek(fd, 0, os.SEEK_SET)
                os.write(fd, str(os.getpid()).encode("ascii").ljust(16))
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


def _holder(fd: int) -> str:
    with contextlib.suppress(OSError):
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 32).decode("ascii", errors="replace").strip()
        if text.isdigit():
            return text
    return ""


try:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

except ImportError:  # pragma: no cover - Windows
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
