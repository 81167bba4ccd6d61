"""The one size parser (`_config.parse_size`): what the CLI's --chunk-size/--size and the bench's
--sizes read."""

from __future__ import annotations

import pytest
import typer

from pyanaplan._config import parse_size
from pyanaplan.cli._options import parse_size as cli_parse_size
from pyanaplan.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("25MB", 25_000_000),
        ("10MiB", 10 * 1024 * 1024),
        ("10 mib", 10 * 1024 * 1024),
        ("512KB", 512_000),
        ("512KiB", 512 * 1024),
        ("1048576", 1_048_576),
        (" 1.5 GB ", 1_500_000_000),
        ("1GiB", 1024**3),
        ("2m", 2_000_000),
        (4096, 4096),
    ],
)
def test_units_are_decimal_or_binary_as_written(text: str | int, size: int) -> None:
    assert parse_size(text) == size
    if isinstance(text, str):
        assert cli_parse_size(text) == size  # the CLI reads sizes through the same parser


# pydantic's ByteSize alone reads a prefix: "1,000" would be 1 byte, "25 MB of data" 25 MB.
@pytest.mark.parametrize(
    "text",
    ["", " ", "MB", "12XB", "-5MB", "ten", "1e6", "25 M B", "1,000", "25 MB of data", "8kbit"],
)
def test_a_bad_size_is_one_config_error_naming_it(text: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_size(text)
    assert str(info.value) == f"{text!r} is not a size."
    assert "25MB" in info.value.hint
    with pytest.raises(typer.BadParameter, match="is not a size"):
        cli_parse_size(text)


@pytest.mark.parametrize("value", [-5, True])
def test_a_number_that_is_not_a_byte_count_is_refused(value: int) -> None:
    with pytest.raises(ConfigError, match="is not a size"):
        parse_size(value)


@pytest.mark.parametrize("text", ["0", "0MB", "0.1"])
def test_zero_bytes_is_refused(text: str) -> None:
    with pytest.raises(ConfigError, match="must be larger than zero"):
        parse_size(text)
