"""Run one spec's DAG with `dag.test()` in a process of its own (a worker a test can kill).

Usage: python run_dag_child.py SPEC.json   (AIRFLOW_* environment as the tests set it)
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

if __name__ == "__main__":
    spec = json.loads(Path(sys.argv[1]).read_text())
    sys.path.insert(0, os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    import anaplan_dags

    anaplan_dags.build(spec).test()
