"""The Date header follows the emulator's clock, so clients see advanced time as the server does."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import httpx2

ONE_DAY_S = 86_400


def _server_time_s(response: httpx2.Response) -> float:
    return parsedate_to_datetime(response.headers["date"]).timestamp()


def test_date_header_moves_with_advance_clock(emu) -> None:
    with httpx2.Client(base_url=emu.api_url) as http:
        before = _server_time_s(http.get("/2/0/users/me"))
        emu.advance_clock(ONE_DAY_S)
        after = _server_time_s(http.get("/2/0/users/me"))
    assert ONE_DAY_S - 5 <= after - before <= ONE_DAY_S + 60


def test_one_date_header_per_response(emu) -> None:
    with httpx2.Client(base_url=emu.api_url) as http:
        response = http.get("/2/0/no/such/route")
    assert len(response.headers.get_list("date")) == 1
