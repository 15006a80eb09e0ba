"""Run the `society` command line in this process, through its top-level guard, the way the
console script runs it: exit status and what it printed."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from click.testing import CliRunner

from society.cli import guard


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def society(args: Sequence[str], env: Mapping[str, str | None] | None = None) -> Outcome:
    runner = CliRunner()
    with runner.isolation(env=env) as (stdout, stderr, _):
        try:
            guard.main(list(args))
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        else:  # guard.main always exits
            code = -1
        sys.stdout.flush()  # text wrappers over the captured bytes
        sys.stderr.flush()
        return Outcome(code, stdout.getvalue().decode(), stderr.getvalue().decode())
