"""A tiny process that starts the workers: ``python -m pabench.launcher`` (JSON lines on stdin).

Why it exists: on Linux a child's ``ru_maxrss`` starts from the high-water mark of the memory
map it was forked from (``exec`` records the old map's peak), so a worker started directly by the
harness would report at least the harness's own peak RSS (the harness hashes and reads large
inputs). Workers started from this small process start from its peak instead (~10 MB), which is
below any Python worker's own footprint. It imports nothing beyond the standard library.

Protocol: one JSON request per line ``{"argv", "stdin", "env", "timeout_s"}``; one JSON reply per
line ``{"exit_code", "timed_out", "wall_s", "maxrss_kib", "utime_s", "stime_s", "stdout",
"stderr"}``.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time


def _run(request: dict) -> dict:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            request["argv"],
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=err,
            env=request["env"],
            start_new_session=True,
        )
        proc.stdin.write(request["stdin"].encode())
        proc.stdin.close()
        deadline = time.monotonic() + request["timeout_s"]
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            if time.monotonic() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                _, status, usage = os.wait4(proc.pid, 0)
                timed_out = True
                break
            time.sleep(0.005)
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4; tell Popen
        wall_s = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return {
            "exit_code": proc.returncode,
            "timed_out": timed_out,
            "wall_s": wall_s,
            "maxrss_kib": usage.ru_maxrss,
            "utime_s": usage.ru_utime,
            "stime_s": usage.ru_stime,
            "stdout": out.read().decode(errors="replace")[-20000:],
            "stderr": err.read().decode(errors="replace")[-20000:],
        }


def main() -> int:
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(_run(json.loads(line))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
