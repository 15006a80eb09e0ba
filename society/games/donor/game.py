"""The donor game as a game of the core: indirect reciprocity across generations
(Vallinder & Hughes 2024); see README.md in this package."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from society.core.game import Game
from society.core.phase import Phase
from society.games.donor.scenario import DonorScenario
from society.games.donor.state import DonorState

# The scenario model and state are light; phases and metrics are imported when a run needs
# them, so `society validate` loads no graph or model library.


@cache
def _by_name() -> dict[str, Phase]:
    from society.games.donor.phases import PHASES

    return {phase.name: phase for phase in PHASES}


class Donor(Game):
    name = "donor"
    description = "The donor game: indirect reciprocity and cultural evolution over generations (Vallinder & Hughes 2024)."
    scenario_type = DonorScenario
    state_type = DonorState

    def phases(self, scenario: Any) -> Mapping[str, Phase]:
        return _by_name()

    def default_round(self, scenario: Any) -> list[str]:
        return list(_by_name())

    def agents(self, scenario: DonorScenario) -> list[Any]:
        from society.games.donor.setup import agents

        return agents(scenario)

    def initial_state(self, scenario: DonorScenario, agents: Sequence[Any]) -> dict[str, Any]:
        from society.games.donor.setup import initial_state

        return dict(initial_state(scenario, agents))

    def start_round(self, state: Any, deps: Any) -> dict[str, Any]:
        from society.games.donor.setup import start_round

        return start_round(state, deps)

    def observe(
        self, state: Any, agent: str, phase: str, deps: Any, members: int | None = None
    ) -> dict[str, Any]:
        from society.games.donor.observe import observe_donation, observe_strategy

        if phase == "inherit":
            return observe_strategy(state, agent, deps)
        if phase == "donate":
            return observe_donation(state, agent, deps)
        raise ValueError(f"the donor game has no phase {phase!r} with turns")

    def finish(self, state: Any, deps: Any) -> None:
        from society.games.donor.setup import finish

        finish(state, deps)

    def sample_rounds(self, scenario: DonorScenario) -> int:
        # A generation: its first round also holds the strategy calls.
        return min(scenario.rounds, scenario.donor.rounds_per_generation)

    headline_label = "mean resources"

    def start_headline(self, scenario: DonorScenario) -> float:
        return scenario.donor.endowment

    def headline(self, state: Any) -> float:
        resources = state["resources"]
        return sum(resources.values()) / len(resources)

    def event_types(self) -> Sequence[type]:
        from society.games.donor.events import EVENTS

        return EVENTS

    @property
    def metrics_type(self) -> type:  # type: ignore[override]
        from society.games.donor.metrics import DonorMetrics

        return DonorMetrics

    def compute_metrics(self, events: Sequence[Any]) -> Any:
        from society.games.donor.metrics import compute_metrics

        return compute_metrics(list(events))

    def metrics_rows(self, metrics: Any) -> list[tuple[str, str]]:
        from society.games.donor.metrics import metrics_rows

        return metrics_rows(metrics)

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
        from society.games.donor.inspect_view import inspect_run

        inspect_run(console, events, agent=agent, round=round, prompts=prompts)

    def report_data(self, events: Sequence[Any], timings: Mapping[int, float], metrics: Any) -> Any:
        from society.games.donor.report_data import build_run_data

        return build_run_data(events, timings, metrics)

    def experiment_columns(self) -> tuple[tuple[str, str, bool], ...]:
        from society.games.donor.experiment_rows import CELL_METRICS

        return CELL_METRICS

    def experiment_responses(self) -> tuple[str, ...]:
        return ("last_mean_final_resources", "donation_fraction", "resources_change")

    def experiment_notes(self) -> tuple[str, str]:
        return (
            "Mean [95% confidence interval] over seeds: Student t, clipped to [0, 100] % for "
            "shares. Resources are the mean final resources of a generation's agents (V&H's "
            "measure); donated is the mean share of its resources a donor gave; punishment "
            "and refusal are shares of interactions; tokens and cost are per run ('–': not "
            "measured).",
            "Every variant and seed of each model pooled.",
        )

    def experiment_plots(self, data: Any, folder: Any) -> dict[str, list[Any]]:
        from society.games.donor.plots import generation_plots

        return generation_plots(data, folder)

    def experiment_rows(
        self, events: Sequence[Any], metrics: Any
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        from society.games.donor.experiment_rows import experiment_rows

        return experiment_rows(events, metrics)


GAME = Donor()
