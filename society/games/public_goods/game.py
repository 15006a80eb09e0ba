"""The public-goods game as a game of the core: contributions to a shared project each round,
with peer punishment as an institution (Fehr & Gächter 2000); see README.md in this package."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from society.core.ending import INTERRUPTED
from society.core.game import Game
from society.core.institution import enabled_for
from society.core.phase import Phase
from society.core.phase_table import PhaseTable
from society.games.public_goods.scenario import GAME as NAME
from society.games.public_goods.scenario import PublicGoodsScenario
from society.games.public_goods.state import PublicGoodsState

# The scenario model and state are light; phases, views and metrics are imported when a run
# needs them, so `society validate` loads no graph or model library.


@cache
def _table() -> PhaseTable:
    from society.games.public_goods.phases import PHASES

    return PhaseTable.build(PHASES, NAME)


class PublicGoods(Game):
    name = NAME
    description = "The public-goods game: contribute to a shared project; optional peer punishment (Fehr & Gächter 2000)."
    scenario_type = PublicGoodsScenario
    state_type = PublicGoodsState

    @property
    def prompts_folder(self) -> Path:  # type: ignore[override]
        from society.prompts import bundled_prompts_dir

        return bundled_prompts_dir() / NAME

    def phases(self, scenario: Any) -> Mapping[str, Phase]:
        return _table().by_name

    def default_round(self, scenario: Any) -> list[str]:
        return _table().default_round(scenario)

    def check_round(self, scenario: Any, order: Sequence[str]) -> list[str]:
        checked = super().check_round(scenario, order)
        _table().refuse_off(scenario, checked)
        return checked

    def institution_hook(self, institution: str) -> Any | None:
        if institution == "punishment":
            from society.games.public_goods.hook import HOOK

            return HOOK
        return None

    def initial_state(self, scenario: PublicGoodsScenario, agents: Sequence[Any]) -> dict[str, Any]:
        records = {
            a.id: {
                "group": a.group,
                "persona": a.persona,
                "joins_at": 1,
                "alive": True,
                "floor": 0.0,
            }
            for a in agents
        }
        return {
            "round": 0,
            "agents": records,
            "outcomes": {},
            "end_reason": None,
            "contributions": {},
            "failed": [],
            "stage_payoffs": {},
            "sanctions": {},
            "payoffs": {a.id: 0.0 for a in agents},
            "history": [],
        }

    def start_round(self, state: Any, deps: Any) -> dict[str, Any]:
        return {
            "round": state["round"] + 1,
            "contributions": {},
            "failed": [],
            "stage_payoffs": {},
            "sanctions": {},
        }

    def observe(
        self, state: Any, agent: str, phase: str, deps: Any, members: int | None = None
    ) -> dict[str, Any]:
        from society.games.public_goods.views import contribution_view

        if phase == "contribute":
            return contribution_view(state, agent, deps.scenario, deps.personas.get(agent, ""))
        joined = _table().joined(phase)
        if joined is not None and hasattr(joined, "observe"):
            return joined.observe(state, agent, deps)
        raise ValueError(f"the public-goods game has no phase {phase!r} with turns")

    def finish(self, state: Any, deps: Any) -> None:
        from society.transcript.events import RunFinished

        aborted = state["end_reason"] in INTERRUPTED
        deps.writer.write(
            RunFinished(
                round=state["round"],
                rounds_completed=state["round"] - (1 if aborted else 0),
                end_reason=state["end_reason"] or "",
            )
        )

    headline_label = "mean contribution"

    def headline(self, state: Any) -> float:
        contributions = state["contributions"]
        return sum(contributions.values()) / len(contributions) if contributions else 0.0

    def round_memory(self, deps: Any) -> Any | None:
        if deps.memory is None or not deps.scenario.memory.enabled:
            return None
        from society.games.public_goods.remembering import memory_keeper

        return memory_keeper(deps, enabled_for(deps.scenario, NAME))

    def event_types(self) -> Sequence[type]:
        from society.games.public_goods.events import EVENTS

        return EVENTS

    @property
    def metrics_type(self) -> type:  # type: ignore[override]
        from society.games.public_goods.metrics import PublicGoodsMetrics

        return PublicGoodsMetrics

    def compute_metrics(self, events: Sequence[Any]) -> Any:
        from society.games.public_goods.metrics import compute_metrics

        return compute_metrics(list(events))

    def metrics_rows(self, metrics: Any) -> list[tuple[str, str]]:
        from society.games.public_goods.metrics import metrics_rows

        return metrics_rows(metrics)

    def metrics_notes(self, metrics: Any) -> list[str]:
        from society.games.public_goods.metrics import EFFICIENCY_NOTE

        return [EFFICIENCY_NOTE]

    def inspect(
        self,
        console: Any,
        run_dir: Any,
        events: Sequence[Any],
        *,
        agent: str | None,
        round: int | None,
        prompts: bool,
    ) -> None:
        from society.games.public_goods.inspect_view import inspect_run

        inspect_run(console, events, agent=agent, round=round, prompts=prompts)

    def report_data(self, events: Sequence[Any], timings: Mapping[int, float], metrics: Any) -> Any:
        from society.games.public_goods.report_data import build_run_data

        return build_run_data(events, timings, metrics)

    def experiment_columns(self) -> tuple[tuple[str, str, bool], ...]:
        from society.games.public_goods.experiment_rows import CELL_METRICS

        return CELL_METRICS

    def experiment_responses(self) -> tuple[str, ...]:
        return ("last_contribution", "contribution_change", "efficiency")

    def experiment_rows(
        self, events: Sequence[Any], metrics: Any
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        from society.games.public_goods.experiment_rows import experiment_rows

        return experiment_rows(events, metrics)


GAME = PublicGoods()
