"""Client: owns settings, auth and the HTTP session; thin methods that resolve names and delegate.

Every workspace, model and object argument accepts a name, a code or an ID (resolve/names.py).
Defaults for workspace and model come from settings (ANAPLAN_WORKSPACE, ANAPLAN_MODEL, profile).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar, overload

from pyanaplan._about import about as _about
from pyanaplan._about import creating_file, no_such_task
from pyanaplan._config import Settings, load_settings
from pyanaplan.auth import TokenAuth, TokenStore, build_auth
from pyanaplan.auth.oauth import DeviceCode
from pyanaplan.errors import (
    APIError,
    ConfigError,
    NameNotFoundError,
    NameResolutionError,
)
from pyanaplan.http import ApiSession, RetryPolicy
from pyanaplan.models import (
    Action,
    Chunk,
    Export,
    ExportMetadata,
    File,
    Import,
    ImportMetadata,
    Model,
    ModelStatus,
    Process,
    ProcessMetadata,
    User,
    Workspace,
)
from pyanaplan.resolve import NameResolver

if TYPE_CHECKING:
    from pyanaplan.models.tasks import TaskSummary
    from pyanaplan.tables import TableKind
    from pyanaplan.tasks.results import TaskResult
    from pyanaplan.transfer.download import DownloadResult
    from pyanaplan.transfer.upload import UploadResult

__all__ = ["Client", "ModelRef"]

T = TypeVar("T")

#: `on_task_progress(progress, current_step)`: progress 0..1 and the server's step text.
TaskProgress = Callable[[float, str], None]
#: `on_progress(done_bytes, total_bytes)`: total is None while unknown; may go backwards.
TransferProgress = Callable[[int, int | None], None]

# Workspace IDs are 32 lower-case hex digits (§2.5); anything else is looked up as a name.
_WORKSPACE_ID = re.compile(r"[0-9a-f]{32}")

_KIND_PATHS = {
    "import": "imports",
    "export": "exports",
    "action": "actions",
    "process": "processes",
}
_KIND_MODELS: dict[str, type[Any]] = {
    "import": Import,
    "export": Export,
    "action": Action,
    "process": Process,
}


@dataclass(frozen=True)
class ModelRef:
    """A resolved workspace and model (IDs and names)."""

    workspace_id: str
    workspace_name: str
    model_id: str
    model_name: str

    @property
    def path(self) -> str:
        """`/workspaces/{ws}/models/{m}`."""
        return f"/workspaces/{self.workspace_id}/models/{self.model_id}"

    def describe(self) -> str:
        """For messages: "model 'Sales Planning' (5B2E…)"."""
        return f"model '{self.model_name}' ({self.model_id})"


class Client:
    """A connection to Anaplan: authentication, retries and name-or-ID addressing.

    Use as a context manager; `close()` logs out. Nothing touches the network until the first
    call.

    Args:
        profile: Profile name in config.toml (else ANAPLAN_PROFILE, else `default_profile`).
        user: User email for basic authentication.
        password: Password for basic authentication.
        certificate: CA certificate for certificate authentication (PEM or DER path), or a
            .p12/.pfx bundle with its password as `key_password` and no `private_key`.
        private_key: Private key for `certificate` (PEM or DER path, PKCS#8 or PKCS#1).
        key_password: Password of an encrypted key or of a .p12/.pfx bundle.
        token: A token obtained elsewhere (used as is, not renewed or revoked).
        region: Region preset such as "US1", "EU3", "AU1" (sets all three service origins).
        api_url: Integration API origin, e.g. "https://api.anaplan.com".
        auth_url: Authentication service origin, e.g. "https://auth.anaplan.com".
        oauth_url: OAuth service origin, e.g. "https://us1a.app.anaplan.com".
        workspace: Default workspace (name or ID) for calls that take one.
        model: Default model (name or ID) for calls that take one.
        verify: TLS verification (None = settings, default on).
        ca_bundle: PEM file of CA certificates to trust (corporate proxies).
        proxy: Proxy URL; HTTP(S)_PROXY/NO_PROXY from the environment apply as well.
        timeout_s: Read timeout in seconds for ordinary calls (default 60).
        retry: Retry policy for transient failures.
        settings: Base settings instead of loading profile/env (explicit args still override).
        cert_format: "v2" (default) or "v1" certificate payload.
        oauth_client_id: OAuth client id for the device login.
        on_device_code: Called with the verification URL and user code during a device login.
        token_store: Where OAuth refresh tokens are kept (default: keyring, else a 0600 file).

    Raises:
        ConfigError: Missing credentials, unreadable key or certificate, unknown region.
    """

    def __init__(
        self,
        profile: str | None = None,
        *,
        user: str | None = None,
        password: str | None = None,
        certificate: str | os.PathLike[str] | None = None,
        private_key: str | os.PathLike[str] | None = None,
        key_password: str | None = None,
        token: str | None = None,
        region: str | None = None,
        api_url: str | None = None,
        auth_url: str | None = None,
        oauth_url: str | None = None,
        workspace: str | None = None,
        model: str | None = None,
        verify: bool | None = None,
        ca_bundle: str | os.PathLike[str] | None = None,
        proxy: str | None = None,
        timeout_s: float | None = None,
        retry: RetryPolicy | None = None,
        settings: Settings | None = None,
        cert_format: str | None = None,
        oauth_client_id: str | None = None,
        on_device_code: Callable[[DeviceCode], None] | None = None,
        token_store: TokenStore | None = None,
    ) -> None:
        arguments: dict[str, Any] = {
            "user": user,
            "password": password,
            "certificate": os.fspath(certificate) if certificate is not None else None,
            "private_key": os.fspath(private_key) if private_key is not None else None,
            "key_password": key_password,
            "token": token,
            "region": region,
            "api_url": api_url,
            "auth_url": auth_url,
            "oauth_url": oauth_url,
            "workspace": workspace,
            "model": model,
            "verify": verify,
            "ca_bundle": os.fspath(ca_bundle) if ca_bundle is not None else None,
            "proxy": proxy,
            "timeout_s": timeout_s,
            "cert_format": cert_format,
            "oauth_client_id": oauth_client_id,
        }
        if settings is not None:
            self.settings = settings.replace(**arguments)
        else:
            self.settings = load_settings(profile, **arguments)
        self.retry = retry or RetryPolicy()
        self.auth: TokenAuth = build_auth(
            self.settings, retry=self.retry, on_device_code=on_device_code, token_store=token_store
        )
        self.session = ApiSession(self.settings, self.auth, retry=self.retry)
        self._names = NameResolver()

    def __repr__(self) -> str:
        return f"Client(api_url={self.settings.api_url!r}, user={self.settings.user!r})"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Log out (basic and certificate tokens) and close connections. Safe to call twice."""
        self.session.close()

    # -- users, workspaces, models -------------------------------------------------------------

    def whoami(self) -> User:
        """The authenticated user (`GET /users/me`)."""
        body = self.session.get_json("/users/me")
        return User.model_validate(body.get("user") or {})

    def workspaces(self) -> list[Workspace]:
        """Workspaces the user can see (with size details)."""
        items = self.session.paged("/workspaces", "workspaces", params={"tenantDetails": "true"})
        return [Workspace.model_validate(item) for item in items]

    def _all_models(self) -> list[Model]:
        items = self.session.paged("/models", "models", params={"modelDetails": "true"})
        return [Model.model_validate(item) for item in items]

    def _workspace_models(self, workspace_id: str) -> list[Model]:
        items = self.session.paged(
            f"/workspaces/{workspace_id}/models", "models", params={"modelDetails": "true"}
        )
        return [Model.model_validate(item) for item in items]

    def models(self, workspace: str | None = None) -> list[Model]:
        """Models in a workspace (default workspace from settings), or every visible model."""
        chosen = workspace or self.settings.workspace
        if chosen is None:
            return self._all_models()
        return self._workspace_models(self.resolve_workspace(chosen).id)

    def model(self, model: str | None = None, *, workspace: str | None = None) -> Model:
        """Details of one model (`GET /models/{id}?modelDetails=true`)."""
        ref = self.model_ref(model, workspace=workspace)
        with _about(f"Model '{ref.model_name}' ({ref.model_id})"):
            body = self.session.get_json(f"/models/{ref.model_id}", params={"modelDetails": "true"})
        return Model.model_validate(body.get("model") or body)

    def model_status(
        self, model: str | None = None, *, workspace: str | None = None
    ) -> ModelStatus:
        """Model status (bare or enveloped response, reference §4.3.4)."""
        ref = self.model_ref(model, workspace=workspace)
        with _about(f"Status of {ref.describe()}"):
            return ModelStatus.from_response(self.session.get_json(f"{ref.path}/status"))

    # -- name resolution -----------------------------------------------------------------------

    def resolve_workspace(self, workspace: str | None = None) -> Workspace:
        """The workspace a name or ID refers to (default from settings).

        Raises:
            ConfigError: No workspace given and no default configured.
            NameNotFoundError, AmbiguousNameError: As in resolve/names.py.
        """
        chosen = workspace or self.settings.workspace
        if not chosen:
            raise ConfigError(
                "No workspace given.",
                hint="Pass workspace= (--workspace) or set ANAPLAN_WORKSPACE or a profile default.",
            )
        return self._names.resolve(
            "workspace", chosen, scope=(), lister=self.workspaces, where="among your workspaces"
        )

    def model_ref(self, model: str | None = None, *, workspace: str | None = None) -> ModelRef:
        """Resolve a model (and its workspace) to IDs and names.

        Without a workspace, the model is looked up among every model the user can see and its
        own workspace is used.

        Raises:
            ConfigError: No model given and no default configured.
            NameNotFoundError, AmbiguousNameError: As in resolve/names.py.
        """
        chosen = model or self.settings.model
        if not chosen:
            raise ConfigError(
                "No model given.",
                hint="Pass model= (--model) or set ANAPLAN_MODEL or a profile default.",
            )
        ws_query = workspace or self.settings.workspace
        if ws_query and _WORKSPACE_ID.fullmatch(ws_query):
            fast = self._model_in_workspace_id(chosen, ws_query)
            if fast is not None:
                return fast
        if ws_query:
            ws = self.resolve_workspace(ws_query)
            found: Model = self._names.resolve(
                "model",
                chosen,
                scope=(ws.id,),
                lister=lambda: self._workspace_models(ws.id),
                where=f"in workspace '{ws.name}'",
            )
            return ModelRef(ws.id, ws.name, found.id, found.name)
        found = self._names.resolve(
            "model", chosen, scope=("*",), lister=self._all_models, where="among your models"
        )
        if not found.current_workspace_id:
            raise ConfigError(
                f"Model '{found.name}' ({found.id}) does not say which workspace it is in.",
                hint="Pass workspace= (--workspace) as well.",
            )
        return ModelRef(
            found.current_workspace_id,
            found.current_workspace_name or found.current_workspace_id,
            found.id,
            found.name,
        )

    def _model_in_workspace_id(self, model: str, workspace_id: str) -> ModelRef | None:
        """Resolve a model in a workspace given by ID with one listing instead of two.

        The workspace's models carry its name (`currentWorkspaceName`), so the workspace listing
        is skipped; measured in docs/benchmarks.md, that saves a round trip per command. None
        when the shortcut cannot decide (the slow path then gives the usual errors).
        """
        try:
            found: Model = self._names.resolve(
                "model",
                model,
                scope=(workspace_id,),
                lister=lambda: self._workspace_models(workspace_id),
                where=f"in workspace {workspace_id}",
            )
        except (APIError, NameResolutionError):
            return None
        ws_name = found.current_workspace_name or workspace_id
        return ModelRef(workspace_id, ws_name, found.id, found.name)

    def _objects(self, kind: str, ref: ModelRef) -> list[Any]:
        if kind == "file":
            return self._list(File, "files", ref)
        return self._list(_KIND_MODELS[kind], _KIND_PATHS[kind], ref)

    def _list(self, cls: type[T], key: str, ref: ModelRef) -> list[T]:
        with _about(f"Listing {key} of {ref.describe()}"):
            items = list(self.session.paged(f"{ref.path}/{key}", key))
        return [cls.model_validate(i) for i in items]  # type: ignore[attr-defined]

    def resolve(
        self, kind: str, name: str, *, workspace: str | None = None, model: str | None = None
    ) -> Any:
        """The file, import, export, action or process that `name` (name, code or ID) refers to.

        Raises:
            NameNotFoundError: Lists the closest names.
            AmbiguousNameError: Lists every match with its ID.
        """
        if kind not in ("file", *_KIND_PATHS):
            raise ConfigError(f"Unknown object kind {kind!r}.")
        ref = self.model_ref(model, workspace=workspace)
        return self._resolve_in(kind, name, ref)

    def _resolve_in(self, kind: str, name: str, ref: ModelRef) -> Any:
        return self._names.resolve(
            kind,
            name,
            scope=(ref.workspace_id, ref.model_id),
            lister=lambda: self._objects(kind, ref),
            where=f"in {ref.describe()}",
        )

    # -- listings ------------------------------------------------------------------------------

    def files(self, *, workspace: str | None = None, model: str | None = None) -> list[File]:
        """Files of a model (import sources and export outputs)."""
        return self._list(File, "files", self.model_ref(model, workspace=workspace))

    def chunks(
        self, file: str, *, workspace: str | None = None, model: str | None = None
    ) -> list[Chunk]:
        """Chunks of a file; an empty file's listing omits the key (§4.5.5) → []."""
        ref = self.model_ref(model, workspace=workspace)
        found: File = self._resolve_in("file", file, ref)
        with _about(f"Chunks of file '{found.name}' ({found.id}) in {ref.describe()}"):
            items = list(self.session.paged(f"{ref.path}/files/{found.id}/chunks", "chunks"))
        return [Chunk.model_validate(i) for i in items]

    def imports(self, *, workspace: str | None = None, model: str | None = None) -> list[Import]:
        """Import definitions of a model."""
        return self._list(Import, "imports", self.model_ref(model, workspace=workspace))

    def exports(self, *, workspace: str | None = None, model: str | None = None) -> list[Export]:
        """Export definitions of a model."""
        return self._list(Export, "exports", self.model_ref(model, workspace=workspace))

    def actions(self, *, workspace: str | None = None, model: str | None = None) -> list[Action]:
        """Other actions (delete, order hierarchy, …) of a model."""
        return self._list(Action, "actions", self.model_ref(model, workspace=workspace))

    def processes(self, *, workspace: str | None = None, model: str | None = None) -> list[Process]:
        """Processes of a model."""
        return self._list(Process, "processes", self.model_ref(model, workspace=workspace))

    def import_metadata(
        self, name: str, *, workspace: str | None = None, model: str | None = None
    ) -> ImportMetadata:
        """Metadata of an import (type and source layout)."""
        ref = self.model_ref(model, workspace=workspace)
        found: Import = self._resolve_in("import", name, ref)
        with _about(f"Import '{found.name}' ({found.id}) in {ref.describe()}"):
            body = self.session.get_json(f"{ref.path}/imports/{found.id}")
        return ImportMetadata.model_validate(body.get("importMetadata") or {})

    def import_source(
        self, name: str, *, workspace: str | None = None, model: str | None = None
    ) -> File:
        """The file an import reads (its `importDataSourceId`, api-notes §4.6.1).

        Raises:
            ConfigError: The import does not read a file (e.g. it imports from another model).
            NameNotFoundError: No such import, or its source file is not in the file list.
        """
        ref = self.model_ref(model, workspace=workspace)
        found: Import = self._resolve_in("import", name, ref)
        if not found.import_data_source_id:
            raise ConfigError(
                f"Import '{found.name}' ({found.id}) does not read a file, so there is nothing "
                "to upload for it.",
                hint="Run the import without an upload.",
            )
        return self._resolve_in("file", found.import_data_source_id, ref)  # type: ignore[no-any-return]

    def export_metadata(
        self, name: str, *, workspace: str | None = None, model: str | None = None
    ) -> ExportMetadata:
        """Metadata of an export (columns, data types, layout)."""
        ref = self.model_ref(model, workspace=workspace)
        found: Export = self._resolve_in("export", name, ref)
        with _about(f"Export '{found.name}' ({found.id}) in {ref.describe()}"):
            body = self.session.get_json(f"{ref.path}/exports/{found.id}")
        return ExportMetadata.model_validate(body.get("exportMetadata") or {})

    def process_metadata(
        self, name: str, *, workspace: str | None = None, model: str | None = None
    ) -> ProcessMetadata:
        """Metadata of a process (its actions in run order)."""
        ref = self.model_ref(model, workspace=workspace)
        found: Process = self._resolve_in("process", name, ref)
        with _about(f"Process '{found.name}' ({found.id}) in {ref.describe()}"):
            body = self.session.get_json(
                f"{ref.path}/processes/{found.id}", params={"showImportDataSource": "true"}
            )
        return ProcessMetadata.model_validate(body.get("processMetadata") or {})

    # -- files ---------------------------------------------------------------------------------

    def upload(
        self,
        source: Any,
        *,
        file: str | None = None,
        workspace: str | None = None,
        model: str | None = None,
        chunk_size: int | None = None,
        concurrency: int | None = None,
        compress: bool = True,
        compress_level: int | None = None,
        resume: bool = True,
        create: bool = False,
        align_rows: bool = False,
        on_progress: TransferProgress | None = None,
    ) -> UploadResult:
        """Upload a path, binary file object, bytes or iterator of bytes to a model file.

        Args:
            source: What to upload: a path, a binary file object, bytes or an iterator of bytes.
            file: Target file name or ID; defaults to the source path's base name.
            workspace: Workspace name or ID; defaults to the client's.
            model: Model name or ID; defaults to the client's.
            chunk_size: Bytes of source per chunk (1 MiB–50 MB); None for the default (10 MiB).
                Grown automatically to stay within 1,000 chunks.
            concurrency: Chunks in flight at once (1–16); None for the default (4).
            compress: Gzip each chunk (a source small enough for one PUT is never gzipped).
            compress_level: Gzip level 0–9; None for the default (1).
            resume: Reuse and keep resume state, so a rerun after a crash sends only the
                missing chunks.
            create: Create the file when no file has that name (otherwise an error, so a typo
                never creates a stray file, §10.13).
            align_rows: Cut chunks after the last newline, so each chunk holds whole rows.
            on_progress: `on_progress(done_bytes, total_bytes)`; may be called from worker
                threads (one call at a time); total is None for streams; may go backwards when
                a chunk is resent.

        Returns:
            An `UploadResult`: the file, its size, the chunks sent and skipped.

        Raises:
            ConfigError: No file name and the source is not a path.
            NameNotFoundError: The file does not exist and create is False.
            TransferError, APIError, TransportError: The upload failed.
        """
        from pyanaplan.transfer.upload import upload_file

        ref = self.model_ref(model, workspace=workspace)
        if file is None:
            if isinstance(source, str | os.PathLike):
                file = Path(source).name
            else:
                raise ConfigError(
                    "Uploading bytes or a stream needs a target file name.",
                    hint="Pass file='Name.csv' (--file).",
                )
        try:
            found: File | None = self._resolve_in("file", file, ref)
        except NameNotFoundError as exc:
            if not create:
                raise NameNotFoundError(
                    f"{exc.message} Nothing was uploaded.",
                    kind=exc.kind,
                    query=exc.query,
                    candidates=exc.candidates,
                    hint=(
                        "Check the file name, or pass create=True (CLI: --create) to create a new "
                        "file with this name."
                    ),
                ) from None
            found = None
        with creating_file(file if found is None else None):
            result = upload_file(
                self.session,
                source,
                workspace_id=ref.workspace_id,
                model_id=ref.model_id,
                file_id=found.id if found else None,
                file_name=found.name if found else file,
                create=create,
                chunk_size=chunk_size,
                concurrency=concurrency,
                compress=compress,
                compress_level=compress_level,
                resume=resume,
                align_rows=align_rows,
                cache_dir=self.settings.cache_dir,
                on_progress=on_progress,
            )
        if found is None:
            self._names.invalidate("file", (ref.workspace_id, ref.model_id))
        return result

    @overload
    def download(
        self,
        file: str,
        target: str | os.PathLike[str] | IO[bytes],
        *,
        workspace: str | None = ...,
        model: str | None = ...,
        concurrency: int | None = ...,
        resume: bool = ...,
        on_progress: TransferProgress | None = ...,
        as_table: None = ...,
        typed: bool = ...,
    ) -> DownloadResult: ...

    @overload
    def download(
        self,
        file: str,
        target: None = ...,
        *,
        workspace: str | None = ...,
        model: str | None = ...,
        concurrency: int | None = ...,
        resume: bool = ...,
        on_progress: TransferProgress | None = ...,
        as_table: TableKind,
        typed: bool = ...,
    ) -> Any: ...

    def download(
        self,
        file: str,
        target: Any = None,
        *,
        workspace: str | None = None,
        model: str | None = None,
        concurrency: int | None = None,
        resume: bool = True,
        on_progress: TransferProgress | None = None,
        as_table: TableKind | None = None,
        typed: bool = True,
    ) -> Any:
        """Download a model file (by name or ID) to a path or a binary stream, or as a table.

        A rerun after an interruption keeps the chunks already written only for an export's
        output, whose tasks prove them current; any other file is fetched again from the first
        chunk (nothing the API reports proves that kept chunks still match the server).

        Args:
            as_table: "arrow", "pandas", "polars" or "batches" (a streaming
                `pyarrow.RecordBatchReader`): parse the file instead of writing it. An export's
                output file is read with its export's layout and column types; an import data
                source with its own layout, every column as text. Needs pyarrow.
            typed: With as_table, type NUMBER, BOOLEAN and DATE columns (False: all text).

        Returns:
            A DownloadResult, or the table when `as_table` is given.

        Raises:
            NameNotFoundError, AmbiguousNameError: The file name does not pick one file.
            TransferError, APIError, TransportError: The download failed.
            TableError: With as_table, a value does not read as its column's type.
        """
        from pyanaplan import _table_ops

        kind = _table_ops.check_table_args(as_table=as_table, target=target)
        if kind is not None:
            return _table_ops.download_table(
                self, file, kind=kind, typed=typed, workspace=workspace, model=model,
                concurrency=concurrency, on_progress=on_progress,
            )  # fmt: skip
        if target is None:
            raise ConfigError(
                "A download needs a target path or binary stream, or as_table=.",
                hint="Pass a path, e.g. client.download(file, 'out.csv').",
            )
        from pyanaplan.tasks.run import export_output_version
        from pyanaplan.transfer.download import download_file

        ref = self.model_ref(model, workspace=workspace)
        found: File = self._resolve_in("file", file, ref)
        version: Callable[[], str] | None = None
        # An export's output has the export's id (api-notes §4.5.6) and changes only when the
        # export runs: its tasks prove that chunks kept from an interrupted run are still
        # current. Any other file has no such proof, so its download starts over when rerun.
        if any(e.id == found.id for e in self._objects("export", ref)):
            tasks = f"{ref.path}/exports/{found.id}/tasks"
            version = lambda: export_output_version(self.session, tasks)  # noqa: E731
        return download_file(
            self.session,
            target,
            workspace_id=ref.workspace_id,
            model_id=ref.model_id,
            file_id=found.id,
            file_name=found.name,
            concurrency=concurrency,
            resume=resume,
            on_progress=on_progress,
            content_version=version,
        )

    def upload_table(
        self,
        table: Any,
        *,
        file: str,
        workspace: str | None = None,
        model: str | None = None,
        chunk_size: int | None = None,
        concurrency: int | None = None,
        compress: bool = True,
        compress_level: int | None = None,
        on_progress: TransferProgress | None = None,
    ) -> UploadResult:
        """Upload a table as a file's content, in the file's own CSV layout, without a temporary
        file.

        The table is any object with the Arrow PyCapsule stream interface (pyarrow Table or
        RecordBatchReader, polars or pandas >= 2.2 DataFrame, DuckDB relation); it is encoded in
        the file's separator, text delimiter, encoding and header rows, block by block, straight
        into the compressed parallel upload. Its columns are first checked against those of the
        import that reads the file (`headerNames`) and written in that order.

        `chunk_size`, `concurrency`, `compress`, `compress_level` and `on_progress` work as
        for `upload` (the total passed to `on_progress` is None: a stream's size is unknown).

        Args:
            table: The data.
            file: The import data source (name or ID).

        Raises:
            TableError: Columns missing or extra (nothing sent), or a value the file cannot
                hold (a character outside its encoding, infinity …; the upload is not
                completed).
            ConfigError: pyarrow is not installed (pip install 'pyanaplan[arrow]').
            TransferError, APIError, TransportError: The upload failed.
        """
        from pyanaplan import _table_ops

        return _table_ops.upload_table(
            self, table, file=file, workspace=workspace, model=model, chunk_size=chunk_size,
            concurrency=concurrency, compress=compress, compress_level=compress_level,
            on_progress=on_progress,
        )  # fmt: skip

    def delete_file(
        self, file: str, *, workspace: str | None = None, model: str | None = None
    ) -> bool:
        """Delete the user's uploaded content of a file (the definition stays, api-notes §4.5.7).

        Returns:
            True when the file held content for this user and the DELETE was sent; False when
            it had none (`chunkCount` 0, api-notes §4.4: nothing of yours to delete, so nothing
            is sent).
        """
        ref = self.model_ref(model, workspace=workspace)
        # A fresh listing: a cached chunk count may predate an upload made with this client.
        self._names.invalidate("file", (ref.workspace_id, ref.model_id))
        found: File = self._resolve_in("file", file, ref)
        if found.chunk_count == 0:
            return False
        with _about(f"Deleting file '{found.name}' ({found.id}) in {ref.describe()}"):
            self.session.request("DELETE", f"{ref.path}/files/{found.id}")
        self._names.invalidate("file", (ref.workspace_id, ref.model_id))
        return True

    # -- tasks ---------------------------------------------------------------------------------

    def _run(
        self,
        kind: str,
        name: str,
        *,
        workspace: str | None,
        model: str | None,
        mapping: Mapping[str, str] | Sequence[Mapping[str, str]] | None,
        wait: bool,
        timeout_s: float | None,
        dump_dir: str | os.PathLike[str] | None,
        check: bool,
        on_task_progress: TaskProgress | None,
        download_to: str | os.PathLike[str] | IO[bytes] | None = None,
        accept_partial: bool = False,
        fail_on_ignored: bool = False,
    ) -> TaskResult:
        from pyanaplan.tasks.run import run_task

        ref = self.model_ref(model, workspace=workspace)
        found = self._resolve_in(kind, name, ref)
        return run_task(
            self.session,
            kind,
            workspace_id=ref.workspace_id,
            model_id=ref.model_id,
            object_id=found.id,
            object_name=found.name,
            mapping=mapping,
            wait=wait,
            timeout_s=timeout_s,
            dump_dir=Path(dump_dir) if dump_dir is not None else None,
            check=check,
            accept_partial=accept_partial,
            fail_on_ignored=fail_on_ignored,
            on_task_progress=on_task_progress,
            download_to=download_to,
        )

    def run_import(
        self,
        name: str,
        *,
        workspace: str | None = None,
        model: str | None = None,
        mapping: Mapping[str, str] | Sequence[Mapping[str, str]] | None = None,
        wait: bool = True,
        timeout_s: float | None = None,
        dump_dir: str | os.PathLike[str] | None = None,
        check: bool = True,
        accept_partial: bool = False,
        fail_on_ignored: bool = False,
        on_task_progress: TaskProgress | None = None,
        table: Any = None,
    ) -> TaskResult:
        """Run an import and wait for it; returns a TaskResult.

        Whether it worked is decided from every signal of the result (`result.outcome`): rows
        rejected are a failure even when Anaplan says `successful: true`.

        Args:
            accept_partial: Accept a load that rejected rows (`outcome.status` PARTIAL) instead
                of raising; the dumps are downloaded either way.
            fail_on_ignored: Raise for ignored rows too (by default they are only reported in
                `outcome.notes`).
            table: Upload this table to the import's source file first (see `upload_table`;
                its columns are checked against the import's before anything is sent).

        Raises:
            TaskFailedError: The import failed, was cancelled, or rejected rows without
                `accept_partial` (dumps already downloaded), unless check=False.
            TableError: With `table`, its columns or values do not fit the source file.
        """
        if table is not None:
            from pyanaplan import _table_ops

            source = self.import_source(name, workspace=workspace, model=model)
            _table_ops.upload_table(
                self, table, file=source.id, import_name=name, workspace=workspace, model=model
            )
        return self._run(
            "import", name, workspace=workspace, model=model, mapping=mapping, wait=wait,
            timeout_s=timeout_s, dump_dir=dump_dir, check=check, on_task_progress=on_task_progress,
            accept_partial=accept_partial, fail_on_ignored=fail_on_ignored,
        )  # fmt: skip

    def run_action(
        self,
        name: str,
        *,
        workspace: str | None = None,
        model: str | None = None,
        wait: bool = True,
        timeout_s: float | None = None,
        dump_dir: str | os.PathLike[str] | None = None,
        check: bool = True,
        on_task_progress: TaskProgress | None = None,
    ) -> TaskResult:
        """Run an action (delete, order hierarchy, …) and wait for it; returns a TaskResult."""
        return self._run(
            "action", name, workspace=workspace, model=model, mapping=None, wait=wait,
            timeout_s=timeout_s, dump_dir=dump_dir, check=check, on_task_progress=on_task_progress,
        )  # fmt: skip

    def run_process(
        self,
        name: str,
        *,
        workspace: str | None = None,
        model: str | None = None,
        mapping: Mapping[str, str] | Sequence[Mapping[str, str]] | None = None,
        wait: bool = True,
        timeout_s: float | None = None,
        dump_dir: str | os.PathLike[str] | None = None,
        check: bool = True,
        accept_partial: bool = False,
        fail_on_ignored: bool = False,
        on_task_progress: TaskProgress | None = None,
    ) -> TaskResult:
        """Run a process and wait for it; returns a TaskResult with nested results.

        `accept_partial` and `fail_on_ignored` work as for `run_import`, over every import the
        process ran.

        Raises:
            TaskFailedError: A step failed, the process was cancelled, or an import in it
                rejected rows without `accept_partial` (dumps downloaded), unless check=False.
        """
        return self._run(
            "process", name, workspace=workspace, model=model, mapping=mapping, wait=wait,
            timeout_s=timeout_s, dump_dir=dump_dir, check=check, on_task_progress=on_task_progress,
            accept_partial=accept_partial, fail_on_ignored=fail_on_ignored,
        )  # fmt: skip

    @overload
    def run_export(
        self,
        name: str,
        *,
        workspace: str | None = ...,
        model: str | None = ...,
        download_to: str | os.PathLike[str] | IO[bytes] | None = ...,
        wait: bool = ...,
        timeout_s: float | None = ...,
        dump_dir: str | os.PathLike[str] | None = ...,
        check: bool = ...,
        on_task_progress: TaskProgress | None = ...,
        as_table: None = ...,
        typed: bool = ...,
    ) -> TaskResult: ...

    @overload
    def run_export(
        self,
        name: str,
        *,
        workspace: str | None = ...,
        model: str | None = ...,
        download_to: None = ...,
        wait: bool = ...,
        timeout_s: float | None = ...,
        dump_dir: str | os.PathLike[str] | None = ...,
        check: bool = ...,
        on_task_progress: TaskProgress | None = ...,
        as_table: TableKind,
        typed: bool = ...,
    ) -> Any: ...

    def run_export(
        self,
        name: str,
        *,
        workspace: str | None = None,
        model: str | None = None,
        download_to: str | os.PathLike[str] | IO[bytes] | None = None,
        wait: bool = True,
        timeout_s: float | None = None,
        dump_dir: str | os.PathLike[str] | None = None,
        check: bool = True,
        on_task_progress: TaskProgress | None = None,
        as_table: TableKind | None = None,
        typed: bool = True,
    ) -> Any:
        """Run an export; with `download_to`, also download its output (same ID as the export).

        Args:
            as_table: "arrow", "pandas", "polars" or "batches" (a streaming
                `pyarrow.RecordBatchReader`): return the output as a table, parsed with the
                export's separator, encoding and column types (`exportMetadata`), streamed
                (no temporary file). Needs pyarrow.
            typed: With as_table, type NUMBER, BOOLEAN and DATE columns (False: all text).

        Returns:
            TaskResult (`output_path` set when the output was downloaded to a path), or the
            table when `as_table` is given.

        Raises:
            TaskFailedError: The export failed (unless check=False; as_table needs check).
            TableError: With as_table, a value does not read as its column's type.
        """
        from pyanaplan import _table_ops

        kind = _table_ops.check_table_args(
            as_table=as_table, target=download_to, wait=wait, check=check
        )
        result = self._run(
            "export", name, workspace=workspace, model=model, mapping=None, wait=wait,
            timeout_s=timeout_s, dump_dir=dump_dir, check=check, on_task_progress=on_task_progress,
            download_to=download_to,
        )  # fmt: skip
        if kind is None:
            return result
        return _table_ops.export_table(
            self, name, kind=kind, typed=typed, workspace=workspace, model=model
        )

    def tasks(
        self, kind: str, name: str, *, workspace: str | None = None, model: str | None = None
    ) -> list[TaskSummary]:
        """Tasks of an import/export/action/process (all users' tasks, §10.18)."""
        from pyanaplan.tasks.run import list_tasks

        ref = self.model_ref(model, workspace=workspace)
        found = self._resolve_in(_check_kind(kind), name, ref)
        return list_tasks(
            self.session, kind, workspace_id=ref.workspace_id, model_id=ref.model_id,
            object_id=found.id,
        )  # fmt: skip

    def task(
        self,
        kind: str,
        name: str,
        task_id: str,
        *,
        workspace: str | None = None,
        model: str | None = None,
        dump_dir: str | os.PathLike[str] | None = None,
    ) -> TaskResult:
        """Status of one task as a TaskResult (dumps downloaded when `dump_dir` is given)."""
        from pyanaplan.tasks.run import get_task

        ref = self.model_ref(model, workspace=workspace)
        found = self._resolve_in(_check_kind(kind), name, ref)
        with no_such_task(kind, found, task_id, ref):
            return get_task(
                self.session, kind, workspace_id=ref.workspace_id, model_id=ref.model_id,
                object_id=found.id, object_name=found.name, task_id=task_id,
                dump_dir=Path(dump_dir) if dump_dir is not None else None,
            )  # fmt: skip

    def wait_task(
        self,
        kind: str,
        name: str,
        task_id: str,
        *,
        workspace: str | None = None,
        model: str | None = None,
        timeout_s: float | None = None,
        dump_dir: str | os.PathLike[str] | None = None,
        check: bool = True,
        accept_partial: bool = False,
        fail_on_ignored: bool = False,
        download_to: str | os.PathLike[str] | IO[bytes] | None = None,
        on_task_progress: TaskProgress | None = None,
    ) -> TaskResult:
        """Wait for a task started earlier and collect it as `run_*` collects its own task.

        For a task started with `wait=False`, by another process, or by an earlier try of an
        orchestrator's job: polls until it ends, downloads its failure dumps (and, for an
        export with `download_to`, its output), and decides its outcome with the same rules
        and options as `run_import`/`run_process`. A task that has already ended costs one
        status request.

        Raises:
            TaskFailedError: The outcome is not accepted (dumps already downloaded), unless
                check=False.
            TaskTimeoutError: `timeout_s` passed; the server task was cancelled.
            NotFoundError: No such task (the message names the object and the task id).
        """
        from pyanaplan.tasks.run import finish_task

        ref = self.model_ref(model, workspace=workspace)
        found = self._resolve_in(_check_kind(kind), name, ref)
        with no_such_task(kind, found, task_id, ref):
            return finish_task(
                self.session, kind, workspace_id=ref.workspace_id, model_id=ref.model_id,
                object_id=found.id, object_name=found.name, task_id=task_id, timeout_s=timeout_s,
                dump_dir=Path(dump_dir) if dump_dir is not None else None, check=check,
                accept_partial=accept_partial, fail_on_ignored=fail_on_ignored,
                on_task_progress=on_task_progress, download_to=download_to,
            )  # fmt: skip

    def cancel_task(
        self,
        kind: str,
        name: str,
        task_id: str,
        *,
        workspace: str | None = None,
        model: str | None = None,
    ) -> TaskResult:
        """Cancel a task (DELETE) and return its TaskResult."""
        from pyanaplan.tasks.run import cancel_task

        ref = self.model_ref(model, workspace=workspace)
        found = self._resolve_in(_check_kind(kind), name, ref)
        with no_such_task(kind, found, task_id, ref):
            return cancel_task(
                self.session, kind, workspace_id=ref.workspace_id, model_id=ref.model_id,
                object_id=found.id, object_name=found.name, task_id=task_id,
            )  # fmt: skip


def _check_kind(kind: str) -> str:
    if kind not in _KIND_PATHS:
        raise ConfigError(
            f"Unknown task kind {kind!r}.", hint="Use import, export, action or process."
        )
    return kind
