"""Resumable parallel uploads and downloads: plan.py (pure), upload.py, download.py, progress.py.

Import from the submodules (`pyanaplan.transfer.upload.upload_file`, …); this package module
stays empty so that importing the pure parts does not pull in the HTTP stack.
"""
