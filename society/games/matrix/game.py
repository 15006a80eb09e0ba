"""The repeated two-player matrix game as a game of the core (Akata et al. 2023, *Playing
repeated games with Large Language Models*); see README.md in this package."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from society.core.game import Game
from society.core.phase import Phase
from society.core.phase_table import PhaseTable
from society.games.matrix.scenario import MatrixScenario
from society.games.matrix.state import MatrixState

# The scenario model and state are light; phases and metrics are imported when a run needs
# them, so `society validate` loads no graph or model library.


@cache
def _table() -> PhaseTable:
    from society.games.matrix.phases import PHASES

    return PhaseTable.build(PHASES, "matrix")


class Matrix(Game):
    name = "matrix"
    description = (
        "Repeated two-player matrix games: any payoff matrix, fixed partners, round robin or "
        "random matching (Akata et al. 2023)."
    )
    scenario_type = MatrixScenario
    state_type = MatrixState

    def phases(self, scenario: Any) -> Mapping[str, Phase]:
        return _table().by_name

    def default_round(self, scenario: Any) -> list[str]:
        return _table().default_round(scenario)

    def check_round(self, scenario: Any, order: Sequence[str]) -> list[str]:
        checked = super().check_round(scenario, order)
        _table().refuse_off(scenario, checked)
        return checked

    def institution_hook(self, institution: str) -> Any | None:
        from society.games.matrix.hooks import HOOKS

        return HOOKS.get(institution)

    def initial_state(self, scenario: MatrixScenario, agents: Sequence[Any]) -> dict[str, Any]:
        from society.games.matrix.setup import initial_state

        return dict(initial_state(scenario, agents))

    def start_round(self, state: Any, deps: Any) -> dict[str, Any]:
        from society.games.matrix.setup import start_round

        return start_round(state, deps)

    def observe(
        self, state: Any, agent: str, phase: str, deps: Any, members: int | None = None
    ) -> dict[str, Any]:
        from society.games.matrix.views import move_view

        if phase != "play":
            joined = _table().joined(phase)
            if joined is not None and hasattr(joined, "observe"):
                return joined.observe(state, agent, deps)
            raise ValueError(f"the matrix game has no phase {phase!r} with turns")
        return move_view(
            state,
            agent,
            deps.scenario,
            persona=deps.personas.get(agent, ""),
            rule=deps.mind_sources[agent] == "rules",
        )

    def finish(self, state: Any, deps: Any) -> None:
        from society.games.matrix.setup import finish

        finish(state, deps)

    headline_label = "mean payoff"

    def headline(self, state: Any) -> float:
        played = sum(state["played"].values())
        return sum(state["totals"].values()) / played if played else 0.0

    def event_types(self) -> Sequence[type]:
        from society.games.matrix.events import EVENTS

        return EVENTS

    @property
    def metrics_type(self) -> type:  # type: ignore[override]
        from society.games.matrix.metrics import MatrixMetrics

        return MatrixMetrics

    def compute_metrics(self, events: Sequence[Any]) -> Any:
        from society.games.matrix.metrics import compute_metrics

        return compute_metrics(list(events))

    def metrics_rows(self, metrics: Any) -> list[tuple[str, str]]:
        from society.games.matrix.tables import metrics_rows

        return metrics_rows(metrics)

    def metrics_notes(self, metrics: Any) -> list[str]:
        from society.games.matrix.tables import metrics_notes

        return metrics_notes(metrics)

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
        from society.games.matrix.inspect_view import inspect_run

        inspect_run(console, events, agent=agent, round=round, prompts=prompts)

    def report_data(self, events: Sequence[Any], timings: Mapping[int, float], metrics: Any) -> Any:
        from society.games.matrix.report_data import build_run_data

        return build_run_data(events, timings, metrics)

    def experiment_columns(self) -> tuple[tuple[str, str, bool], ...]:
        from society.games.matrix.experiment_rows import CELL_METRICS

        return CELL_METRICS

    def experiment_responses(self) -> tuple[str, ...]:
        return ("mean_payoff", "cooperation_rate", "mutual_cooperation_rate", "coordination_rate")

    def experiment_rows(
        self, events: Sequence[Any], metrics: Any
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        from society.games.matrix.experiment_rows import experiment_rows

        return experiment_rows(events, metrics)

    def experiment_pairs(self, events: Sequence[Any], metrics: Any) -> list[dict[str, Any]]:
        from society.analysis.pairwise import cell_rows

        return cell_rows(metrics.pairs)

    def experiment_pair_columns(self) -> tuple[tuple[str, str, bool], ...]:
        from society.games.matrix.experiment_rows import PAIR_COLUMNS

        return PAIR_COLUMNS


GAME = Matrix()
