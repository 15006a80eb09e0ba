"""What the commons' institution modules share: the base of their phases (the commons'
observation, the validation facts every commons decision reads) and the number format of
their memories and inspect lines. Light at import (see `society.core.institution`): the
commons' modules are imported inside functions."""

from __future__ import annotations

from typing import Any

from society.core.phase import Phase


class CommonsTurn(Phase):
    """A phase of a commons institution: agents see the commons' observation."""

    @property
    def observation(self) -> Any:  # type: ignore[override]
        from society.games.commons.observation import Observation

        return Observation

    def validation_context(self, view: Any, context: dict[str, Any]) -> dict[str, Any]:
        # The stock is the largest ask (amount harvests).
        return {**context, "max_amount": view.max_amount, "round": view.round}


def number(value: float) -> str:
    """A number in a memory's text: at most two decimals, no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".") if value == value else "?"


def of_kind(events: Any, kind: str) -> list[Any]:
    return [e for e in events if e.kind == kind]
