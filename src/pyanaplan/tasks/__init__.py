"""The task engine: run.py (start, wait, cancel), wait.py (poller), results.py, dumps.py.

Import from the submodules (`pyanaplan.tasks.run.run_task`, …); this package module stays empty.
"""
