"""The `society` entry point: no Python traceback reaches the terminal unless asked for.

Commands print their own clean errors for files and settings they know are wrong. Whatever
escapes them is shown here as one line: a user error (a broken file) with exit status 2, an
unexpected exception as `society: internal error: ...` with exit status 1. `--debug`
(anywhere before a `--`) or SOCIETY_DEBUG=1 shows the traceback instead.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

DEBUG_FLAG = "--debug"
DEBUG_ENV = "SOCIETY_DEBUG"
_MAX_MESSAGE = 500  # characters of an internal error's message: one line, not a dump


def main(argv: Sequence[str] | None = None) -> NoReturn:
    args, debug = split_debug(list(sys.argv[1:] if argv is None else argv))
    try:
        # Imported here: the commands' import is heavy, and its errors are then guarded.
        from society.cli import app

        app(args=args, prog_name="society")
    except SystemExit:
        raise
    except Exception as error:
        if debug:
            traceback.print_exc()
        code, lines = describe(error, debug)
        for line in lines:
            print(line, file=sys.stderr)
        sys.exit(code)
    sys.exit(0)  # pragma: no cover - typer's standalone mode always exits


def split_debug(args: list[str]) -> tuple[list[str], bool]:
    """The arguments without `--debug`, and whether the traceback was asked for."""
    debug = os.environ.get(DEBUG_ENV, "").strip().lower() not in {"", "0", "false", "no"}
    end = args.index("--") if "--" in args else len(args)
    if DEBUG_FLAG in args[:end]:
        debug = True
        args = [a for a in args[:end] if a != DEBUG_FLAG] + args[end:]
    return args, debug


def describe(error: Exception, debug: bool) -> tuple[int, list[str]]:
    """Exit status and the lines shown for an exception no command handled."""
    if is_user_error(error):
        lines = getattr(error, "lines", None) or [str(error)]  # ScenarioError: one per problem
        return 2, [f"error: {_one_line(line)}" for line in lines]
    hint = "" if debug else f" (run with {DEBUG_FLAG} or {DEBUG_ENV}=1 for the traceback)"
    message = _one_line(str(error)) or "(no message)"
    return 1, [f"society: internal error: {type(error).__name__}: {message}{hint}"]


def is_user_error(error: Exception) -> bool:
    """A broken file or setting the commands know of (shown as such, exit status 2)."""
    from society.bounded_io import UnreadableFile

    try:
        from society.cli.app import USER_ERRORS
    except ImportError:  # the commands could not be imported: that is not the user's doing
        return isinstance(error, UnreadableFile)
    return isinstance(error, (UnreadableFile, *USER_ERRORS))


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."
