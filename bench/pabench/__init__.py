"""pyanaplan's benchmark harness: contenders in subprocesses against one emulator on loopback."""
