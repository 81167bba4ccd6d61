"""Host one emulator in this process until stdin closes: ``python -m pabench.host``.

The harness runs the emulator in a process of its own so that the server's CPU time and memory
never mix with the harness's or a contender's, and so that its peak RSS can be read from
``/proc/PID/status``. The first stdout line is JSON with the origin, the demo users and the
control token that ``/__emulator__/`` requests must carry.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> int:
    from pyanaplan.emulator import Emulator

    if os.environ.get("PABENCH_EMULATOR_NO_FSYNC") == "1":
        # Diagnosis only (``run.py --emulator-no-fsync``): how much of the server's time is its
        # per-chunk fsync? Never used for the published figures.
        os.fsync = lambda fd: None

    # The tables suite serves its own spec (PABENCH_EMULATOR_SPEC); the others the demo spec.
    with Emulator(spec=os.environ.get("PABENCH_EMULATOR_SPEC") or None) as emu:
        users = [list(user) for user in emu.users]
        hello = {"origin": emu.api_url, "users": users, "control_token": emu.control_token}
        print(json.dumps(hello), flush=True)
        sys.stdin.read()  # the harness closes our stdin to stop us
    return 0


if __name__ == "__main__":
    sys.exit(main())
