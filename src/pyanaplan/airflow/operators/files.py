"""Operators for model files: upload, download, delete.

They run in the worker (a transfer is work the worker does, not a wait), each through one
`Client` call, and return what the CLI prints for the same command with `-o json` (the `upload`,
`download` and `delete` objects of docs/cli-output.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from pyanaplan import ConfigError
from pyanaplan.airflow import _storage
from pyanaplan.airflow.hooks import AnaplanHook

if TYPE_CHECKING:
    from airflow.sdk import Context, ObjectStoragePath

__all__ = ["AnaplanDeleteFileOperator", "AnaplanDownloadOperator", "AnaplanUploadOperator"]


class _FileOperator(BaseOperator):
    template_fields: Sequence[str] = ("file", "workspace", "model")
    ui_color = "#d9ead3"

    def __init__(
        self,
        *,
        file: str | None = None,
        anaplan_conn_id: str = AnaplanHook.default_conn_name,
        workspace: str | None = None,
        model: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.file = file
        self.anaplan_conn_id = anaplan_conn_id
        self.workspace = workspace
        self.model = model


class AnaplanUploadOperator(_FileOperator):
    """Upload a local file or an object (`ObjectStoragePath` or URI) into a model file.

    Args:
        source: What to upload (templated).
        file: The model file's name or ID (templated); default: the source's base name.
        create: Create the file when no file has that name (otherwise that is an error, so a
            typo never creates a stray file).
        chunk_size, concurrency, compress: As for `Client.upload`.
        anaplan_conn_id, workspace, model: As for the task operators.

    Returns (XCom): the `upload` object (file_id, file_name, size, chunks, …, sha256).
    """

    template_fields: Sequence[str] = (*_FileOperator.template_fields, "source")

    def __init__(
        self,
        *,
        source: str | ObjectStoragePath,
        create: bool = False,
        chunk_size: int | None = None,
        concurrency: int | None = None,
        compress: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.create = create
        self.chunk_size = chunk_size
        self.concurrency = concurrency
        self.compress = compress

    def execute(self, context: Context) -> dict[str, Any]:
        place = _storage.location(self.source)
        file = self.file or place.name
        if not file:
            raise ConfigError(
                f"Cannot tell the model file's name from {self.source!r}.",
                hint="Pass file='Name.csv'.",
            )
        with AnaplanHook(self.anaplan_conn_id) as client, _storage.open_source(place) as source:
            result = client.upload(
                source,
                file=file,
                workspace=self.workspace,
                model=self.model,
                create=self.create,
                chunk_size=self.chunk_size,
                concurrency=self.concurrency,
                compress=self.compress,
            )
        self.log.info(
            "Uploaded %s to file '%s' (%s): %s bytes in %s chunks, %s sent",
            place,
            result.file_name,
            result.file_id,
            result.size,
            result.chunks,
            result.chunks_sent,
        )
        return dataclasses.asdict(result)


class AnaplanDownloadOperator(_FileOperator):
    """Download a model file (an export's output too) to a local path or object storage.

    Args:
        file: The model file's name or ID (templated).
        target: A local path or object storage (`ObjectStoragePath` or URI) (templated).
        anaplan_conn_id, workspace, model: As for the task operators.

    Returns (XCom): the `download` object (file_id, file_name, path, size, …, sha256).
    """

    template_fields: Sequence[str] = (*_FileOperator.template_fields, "target")

    def __init__(self, *, file: str, target: str | ObjectStoragePath, **kwargs: Any) -> None:
        super().__init__(file=file, **kwargs)
        self.target = target

    def execute(self, context: Context) -> dict[str, Any]:
        assert self.file is not None
        place = _storage.location(self.target)
        with AnaplanHook(self.anaplan_conn_id) as client:
            found = client.resolve("file", self.file, workspace=self.workspace, model=self.model)
            with _storage.staged_target(place) as local:
                result = client.download(
                    found.id, local, workspace=self.workspace, model=self.model
                )
        self.log.info("Downloaded file '%s' to %s (%s bytes)", found.name, place, result.size)
        return {
            "file_id": found.id,
            "file_name": found.name,
            "path": str(place),
            "size": result.size,
            "chunks": result.chunks,
            "chunks_skipped": result.chunks_skipped,
            "elapsed_s": result.elapsed_s,
            "sha256": result.sha256,
        }


class AnaplanDeleteFileOperator(_FileOperator):
    """Delete the uploaded content of a model file (the file's definition stays).

    Returns (XCom): the `delete` object; `deleted` is False when the file held no content of
    this user (then nothing was sent).
    """

    def __init__(self, *, file: str, **kwargs: Any) -> None:
        super().__init__(file=file, **kwargs)

    def execute(self, context: Context) -> dict[str, Any]:
        assert self.file is not None
        with AnaplanHook(self.anaplan_conn_id) as client:
            found = client.resolve("file", self.file, workspace=self.workspace, model=self.model)
            deleted = client.delete_file(found.id, workspace=self.workspace, model=self.model)
        self.log.info(
            "File '%s' (%s): %s",
            found.name,
            found.id,
            "content deleted" if deleted else "held no content; nothing to delete",
        )
        return {"file_id": found.id, "file_name": found.name, "deleted": deleted}
