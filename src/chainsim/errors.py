"""Errors chainsim reports to users.

A `ScenarioError` carries every problem found in an input file, each with its file, line and
column, so that the command line can print them as ``FILE:LINE:COL: message`` and exit 2.
"""

from __future__ import annotations

from dataclasses import dataclass


class ChainsimError(Exception):
    """Base class of every error chainsim raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem in an input file; line and col are 1-based (0 when unknown).

    Printed as ``FILE:LINE:COL: message``, or ``FILE: message`` when the problem has no line
    (the file cannot be read, or the place is not known).
    """

    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        if self.line <= 0:
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


class ScenarioError(ChainsimError):
    """Bad input: one or more problems, each naming file, location and the fix."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.col, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))


def scenario_error(problems: list[Problem]) -> ScenarioError:
    """The error to raise for problems whose messages quote what the user wrote: names may hold
    newlines or control characters, which are shown escaped so that each message stays on one
    printable line."""
    return ScenarioError([
        Problem(p.file, p.line, p.col, printable(p.message)) for p in problems
    ])


def printable(text: str) -> str:
    """``text`` with every unprintable character (newline, tab, control) written as an escape."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
