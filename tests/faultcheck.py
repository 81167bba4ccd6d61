"""Proof that injected faults happened, read from the emulator's own counts (`Emulator.faults`).

A fault test that passes whether or not its fault fired proves nothing: a rule aimed at a path
the client never requests leaves the test green. So:

* the `emu` fixture (tests/conftest.py) fails a test whose rules missed (`missed_rules`), and
  tests on an emulator of their own call `assert_no_missed_rules`;
* a test that knows how often each of its rules must fire asserts `fired(emu) == [...]`.

A plain module beside tests/conftest.py, so every test folder imports the one copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

__all__ = ["assert_no_missed_rules", "describe", "fired", "missed_rules"]


class HasFaults(Protocol):
    def faults(self) -> list[dict[str, Any]]: ...


def fired(emu: HasFaults) -> list[int]:
    """How often each rule since the last reset fired, in the order the rules were added."""
    return [int(rule["fired"]) for rule in emu.faults()]


def describe(rule: Mapping[str, Any]) -> str:
    """`rule 3 (PUT */chunks/* status=503 times=2)`: enough to find it in the test."""
    what = [f"{key}={rule[key]}" for key in ("status", "delay_s") if rule.get(key)]
    what += [key for key in ("drop", "expire_token") if rule.get(key)]
    if rule.get("fraction") is not None:
        what.append(f"fraction={rule['fraction']}")
    else:
        what.append(f"times={rule.get('times') or 'every'}")
    return f"rule {rule['id']} ({rule.get('method') or 'any'} {rule['path']} {' '.join(what)})"


def missed_rules(rules: Iterable[Mapping[str, Any]]) -> list[str]:
    """The rules that did not hit their target, each described in one line.

    A rule that fires by count, or on every request, must have fired at least once. A rule
    that fires on a random share of requests (0 <= fraction < 1) may legitimately never fire;
    it must still have been reached by a request with its method and path, or it was aimed
    wrong.
    """
    problems = []
    for rule in rules:
        fraction = rule.get("fraction")
        if fraction is not None and fraction < 1:
            if rule["matched"] == 0:
                problems.append(f"{describe(rule)} matched no request")
        elif rule["fired"] == 0:
            problems.append(f"{describe(rule)} never fired (matched {rule['matched']})")
    return problems


def assert_no_missed_rules(emu: HasFaults) -> None:
    """Fail when any rule since the last reset missed (see `missed_rules`)."""
    problems = missed_rules(emu.faults())
    assert not problems, "injected faults that did not happen: " + "; ".join(problems)
