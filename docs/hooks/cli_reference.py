"""mkdocs hook: the CLI page's command reference, generated from the Typer app at build time.

Why: a hand-written list of every command and option goes stale the day an option is added.
`docs/cli.md` holds the marker below; this hook replaces it with one section per command (its
help text, its example, and a table of its arguments and options) read from
`pyanaplan.cli.main.app`, so the page always says what `pyanaplan COMMAND --help` says.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer

MARKER = "<!-- cli-reference -->"
#: Options Typer adds to every app; documented by `--help` itself, not here.
_SKIPPED = {"--install-completion", "--show-completion", "--help"}


def commands() -> Iterator[tuple[str, Any, typer.Context]]:
    """(`pyanaplan …` path, command, context) for every command, in help order.

    The root's own (global) options are left out: the page's "Global options" table has them. A
    group is listed when it does something on its own (`pyanaplan imports` lists imports).
    """
    from pyanaplan.cli.main import app

    root = typer.main.get_command(app)
    root_ctx = typer.Context(root, info_name="pyanaplan")
    yield from _walk(root, root_ctx, "pyanaplan")


def _walk(group: Any, ctx: typer.Context, path: str) -> Iterator[tuple[str, Any, typer.Context]]:
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        sub_ctx = typer.Context(command, info_name=name, parent=ctx)
        is_group = hasattr(command, "list_commands")
        if not is_group or getattr(command, "invoke_without_command", False):
            yield f"{path} {name}", command, sub_ctx
        if is_group:
            yield from _walk(command, sub_ctx, f"{path} {name}")


def _help(command: Any) -> tuple[str, list[str]]:
    """The help text's prose and its example lines (after "Example:")."""
    text = (command.help or "").replace("\b", "")
    prose, _, example = text.partition("Example:")
    lines = [line.strip() for line in example.splitlines() if line.strip()]
    return " ".join(prose.split()), lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _param_row(param: Any) -> str | None:
    """One table row for an argument or option (typer's click parameters), None to leave out."""
    if param.param_type_name == "argument":
        name = f"`{(param.metavar or param.name or '').upper()}`"
        meaning = getattr(param, "help", None) or ""
        if not param.required:
            meaning = f"{meaning} (optional)".strip()
        return f"| {name} | {_cell(meaning)} |"
    if any(opt in _SKIPPED for opt in param.opts) or param.hidden:
        return None
    names = ", ".join(param.opts + param.secondary_opts)
    if not param.is_flag and param.metavar:
        names = f"{names} {param.metavar}"
    meaning = param.help or ""
    if param.multiple:
        meaning = f"{meaning} Repeatable." if "repeatable" not in meaning.lower() else meaning
    default = param.default
    if param.show_default and not param.is_flag and default not in (None, "", (), []):
        meaning = f"{meaning} Default: `{default}`."
    return f"| `{names}` | {_cell(meaning)} |"


def render() -> str:
    """The command reference as Markdown: one `###` section per command."""
    out: list[str] = []
    for path, command, _ in commands():
        prose, example = _help(command)
        out += [f"### {path}", "", prose, ""]
        if example:
            out += ["```", *example, "```", ""]
        rows = [row for p in command.params if (row := _param_row(p))]
        if rows:
            out += ["| argument or option | meaning |", "| --- | --- |", *rows, ""]
    return "\n".join(out)


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    """mkdocs event: fill the marker of the page that has one."""
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, render())
