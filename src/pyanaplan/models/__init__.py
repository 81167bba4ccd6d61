"""Tolerant pydantic models of API payloads (re-exports only)."""

from pyanaplan.models.actions import (
    Action,
    Export,
    ExportMetadata,
    Import,
    ImportMetadata,
    ImportSource,
    Process,
    ProcessAction,
    ProcessMetadata,
)
from pyanaplan.models.dumps import DumpChunk
from pyanaplan.models.files import Chunk, File
from pyanaplan.models.models import Model, ModelStatus
from pyanaplan.models.tasks import TaskDetail, TaskResultPayload, TaskStatus, TaskSummary
from pyanaplan.models.users import User
from pyanaplan.models.workspaces import Workspace

__all__ = [
    "Action",
    "Chunk",
    "DumpChunk",
    "Export",
    "ExportMetadata",
    "File",
    "Import",
    "ImportMetadata",
    "ImportSource",
    "Model",
    "ModelStatus",
    "Process",
    "ProcessAction",
    "ProcessMetadata",
    "TaskDetail",
    "TaskResultPayload",
    "TaskStatus",
    "TaskSummary",
    "User",
    "Workspace",
]
