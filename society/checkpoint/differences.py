"""What differs between two resolved scenarios, as readable lines ('rounds: 40 → 50')."""

from __future__ import annotations

from typing import Any

SHOWN = 10  # lines listed before '... and N more'


def differences(before: Any, after: Any, path: str = "") -> list[str]:
    """Field paths whose values differ, with both values, in a stable order."""
    if isinstance(before, dict) and isinstance(after, dict):
        lines: list[str] = []
        for key in sorted(set(before) | set(after), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in after:
                lines.append(f"{where}: {_short(before[key])} → (removed)")
            elif key not in before:
                lines.append(f"{where}: (absent) → {_short(after[key])}")
            else:
                lines += differences(before[key], after[key], where)
        return lines
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        lines = []
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            lines += differences(old, new, f"{path}[{index}]")
        return lines
    return (
        [] if before == after else [f"{path or '(scenario)'}: {_short(before)} → {_short(after)}"]
    )


def summary(lines: list[str]) -> str:
    shown = "; ".join(lines[:SHOWN])
    more = len(lines) - SHOWN
    return shown + (f"; ... and {more} more" if more > 0 else "")


def _short(value: Any, width: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"
