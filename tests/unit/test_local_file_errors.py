"""errors.local_file_error: one sentence and a hint that fits the operating system's error."""

from __future__ import annotations

import errno
import io

import pytest

from pyanaplan.errors import ConfigError, LocalFileError, local_file_error


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.EACCES, "permissions"),
        (errno.EPERM, "permissions"),
        (errno.EISDIR, "is a directory"),
        (errno.ENOTDIR, "not a directory"),
        (errno.ENOENT, "does not exist"),
        (errno.ENOSPC, "disk space"),
        (errno.EROFS, "read-only"),
    ],
)
def test_each_errno_gets_its_own_hint(code: int, words: str) -> None:
    exc = OSError(code, "Some reason", "/data/report.csv")
    error = local_file_error(exc, action="write", path="/data/report.csv")
    assert isinstance(error, LocalFileError) and isinstance(error, ConfigError)
    reason = "not a directory" if code == errno.ENOTDIR else "some reason"
    assert error.message == f"Cannot write '/data/report.csv': {reason}."
    assert words in error.hint
    assert error.errno == code


def test_a_file_where_a_directory_should_be_says_not_a_directory() -> None:
    # mkdir of a parent fails with EEXIST when a file has that name.
    error = local_file_error(OSError(errno.EEXIST, "File exists"), action="write", path="a/b.csv")
    assert error.message == "Cannot write 'a/b.csv': not a directory."


def test_only_a_full_disk_talks_about_disk_space() -> None:
    for code in (errno.EACCES, errno.EISDIR, errno.ENOTDIR, errno.ENOENT):
        hint = local_file_error(OSError(code, "x"), action="write", path="p").hint
        assert "disk space" not in hint


def test_streams_are_named() -> None:
    class Stdout(io.BytesIO):
        name = "<stdout>"

    stream = Stdout()
    error = local_file_error(
        OSError(errno.ENOSPC, "No space left on device"), action="write to", path=stream
    )
    assert error.message == "Cannot write to standard output: no space left on device."


def test_a_hint_can_say_what_happens_next() -> None:
    error = local_file_error(
        OSError(errno.ENOSPC, "No space"), action="write", path="x", then="It resumes."
    )
    assert error.hint.endswith("It resumes.")
