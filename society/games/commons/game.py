"""The commons as a game: a common-pool resource harvested, governed and regrown each round
(the social-learning paper's commons and GovSim's fishery, pasture and pollution)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from society.core.ending import INTERRUPTED
from society.core.game import Game, RoundError
from society.core.institution import Institution, for_game, in_round_order
from society.core.phase import Phase
from society.core.state import alive
from society.games.commons.scenario import Scenario
from society.games.commons.state import SocietyState, copy_agents, empty_news

if TYPE_CHECKING:
    from society.games.commons.remembering import MemoryKeeper

# The scenario model and state are light; phases, memory and metrics are imported when a run
# needs them, so `society validate` loads no graph or model library.


@cache
def _phases() -> tuple[Phase, ...]:
    from society.games.commons.phases import PHASES

    return PHASES


@cache
def _placed() -> tuple[tuple[Phase, Institution | None], ...]:
    """Every phase the commons offers, in round order, with the institution that owns it
    (None: the commons' own): each institution's after the phase it names."""
    own = {phase.name: phase for phase in _phases()}
    owned = {
        phase.name: (phase, institution)
        for institution in for_game("commons")
        for phase in institution.phases
    }
    return tuple(
        (own[name], None) if owner is None else owned[name]
        for name, owner in in_round_order(list(own), "commons")
    )


@cache
def _by_name() -> dict[str, Phase]:
    return {phase.name: phase for phase, _ in _placed()}


@cache
def _owners() -> dict[str, Institution]:
    return {phase.name: owner for phase, owner in _placed() if owner is not None}


class Commons(Game):
    name = "commons"
    description = "A common-pool resource: harvest, monitoring, gossip, sanctions, town hall, norms, learning."
    scenario_type = Scenario
    state_type = SocietyState
    start_facts = frozenset({"stock", "norm"})

    @staticmethod
    def memory_query(agent: str, phase: str, view: dict[str, Any], k: int, now: int) -> Any:
        from society.games.commons.recall import query_for

        return query_for(agent, phase, view, k, now)

    def phases(self, scenario: Any) -> Mapping[str, Phase]:
        return _by_name()

    def default_round(self, scenario: Scenario) -> list[str]:
        """The enabled phases; an enabled institution's right after its `after` phase (or
        where that phase would be when the scenario leaves it out)."""
        owners = _owners()
        return [
            name
            for name, phase in _by_name().items()
            if hasattr(phase, "node")
            and (owners[name].runs(scenario) if name in owners else phase.enabled(scenario))
        ]

    def check_round(self, scenario: Any, order: Sequence[str]) -> list[str]:
        checked = super().check_round(scenario, order)
        owners = _owners()
        for index, name in enumerate(checked):
            owner = owners.get(name)
            if owner is not None and not owner.listed_when_off and not owner.runs(scenario):
                raise RoundError(
                    f"phase {name!r} belongs to the institution {owner.name!r}, which is off "
                    f"(set institutions.{owner.name}.enabled: true)",
                    index,
                )
        return checked

    def agents(self, scenario: Scenario) -> list[Any]:
        if scenario.generations is None:
            return super().agents(scenario)
        from society.games.commons.generations import agents

        return agents(scenario)

    def scenario_notes(self, scenario: Scenario) -> list[str]:
        from society.games.commons.generations import rule_notes

        return rule_notes(scenario)

    def initial_state(self, scenario: Scenario, agents: Sequence[Any]) -> dict[str, Any]:
        from society.games.commons.setup import initial_state

        return dict(initial_state(scenario, list(agents)))

    def start_round(self, state: Any, deps: Any) -> dict[str, Any]:
        from society.games.commons import views
        from society.games.commons.events import RoundStarted
        from society.transcript.events import AgentJoined

        writer = deps.writer
        number = state["round"] + 1
        agents = copy_agents(state)
        for record in agents.values():
            record["previous_news"] = record["news"]
            record["news"] = empty_news(number)
            record["payoff_at_round_start"] = record["payoff"]
        turnover: dict[str, Any] = {}
        settings = deps.scenario.generations
        if settings is not None and settings.starts_generation(number):
            from society.games.commons.generations import turnover as hand_over

            turnover = hand_over(state, agents, number, deps)
        # Agent records are read at this round number below.
        upcoming = {**state, **turnover, "round": number, "agents": agents}
        for agent in alive(upcoming):
            if agents[agent]["joins_at"] == number and number > 1:
                writer.write(AgentJoined(round=number, agent=agent, group=agents[agent]["group"]))
        writer.write(
            RoundStarted(
                round=number,
                stock=state["stock"],
                alive=alive(upcoming),
                norm_limit=upcoming["norm"]["limit"],
                norm_text=upcoming["norm"]["text"],
                excluded=views.excluded(upcoming),
            )
        )
        return {
            **turnover,
            "round": number,
            "agents": agents,
            "previous_stock": state["round_start_stock"],
            "round_start_stock": state["stock"],
        }

    def observe(
        self, state: Any, agent: str, phase: str, deps: Any, members: int | None = None
    ) -> dict[str, Any]:
        from society.games.commons import views

        return views.observation(state, agent, phase, deps, members)

    def finish(self, state: Any, deps: Any) -> None:
        from society.transcript.events import RunFinished

        aborted = state["end_reason"] in INTERRUPTED
        deps.writer.write(
            RunFinished(
                round=state["round"],
                rounds_completed=state["round"] - (1 if aborted else 0),
                end_reason=state["end_reason"] or "",
                final_stock=state["stock"],
            )
        )

    headline_label = "stock"

    def start_headline(self, scenario: Scenario) -> float:
        return scenario.commons.start_stock

    def headline(self, state: Any) -> float:
        return state["stock"]

    def institution_hook(self, institution: str) -> Any | None:
        if institution == "elections":
            from society.games.commons.institutions.offices import ELECTIONS_HOOK

            return ELECTIONS_HOOK
        return None

    def rule_blind_settings(self, scenario: Scenario) -> tuple[str, ...]:
        # Rule minds never see the LLM peer table. Wording (the norm's text, the resource's
        # names) and GovSim's universalization reminder reach a rule mind only through the
        # memories it recalls, which it reads only to pick whom to inspect.
        # `information:` is what LLM agents are told; rule minds read no text.
        blind = (
            *super().rule_blind_settings(scenario),
            "institutions.social_learning.peers_shown",
            "information",
        )
        monitoring = scenario.institutions.monitoring
        if scenario.memory.enabled and monitoring.enabled and monitoring.target_suspects > 0:
            return blind
        return (*blind, "norm.text", "commons.resource", "interventions.universalization")

    def round_memory(self, deps: Any) -> MemoryKeeper | None:
        from society.games.commons.remembering import MemoryKeeper

        if deps.memory is None or not deps.scenario.memory.enabled:
            return None
        return MemoryKeeper(deps.memory, deps.scenario, deps.mind_sources, deps.writer)

    def event_types(self) -> Sequence[type]:
        from society.games.commons.events import EVENTS

        return EVENTS

    @property
    def metrics_type(self) -> type:  # type: ignore[override]
        from society.games.commons.metrics import RunMetrics

        return RunMetrics

    def metrics_rows(self, metrics: Any) -> list[tuple[str, str]]:
        from society.games.commons.metrics_table import metrics_rows

        return metrics_rows(metrics)

    def metrics_notes(self, metrics: Any) -> list[str]:
        from society.games.commons.metrics_table import EFFICIENCY_NOTE

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
        from society.games.commons.inspect_view import inspect_run

        inspect_run(console, run_dir, events, agent=agent, round=round, prompts=prompts)

    def report_data(self, events: Sequence[Any], timings: Mapping[int, float], metrics: Any) -> Any:
        from society.games.commons.report_data import build_run_data

        return build_run_data(events, dict(timings), metrics)

    def experiment_rows(
        self, events: Sequence[Any], metrics: Any
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        from society.games.commons.experiment_rows import experiment_rows

        return experiment_rows(events, metrics)

    def experiment_columns(self) -> tuple[tuple[str, str, bool], ...]:
        from society.experiments.tables import CELL_METRICS

        return CELL_METRICS

    def experiment_model_columns(self) -> tuple[tuple[str, str, bool], ...]:
        from society.experiments.tables import MODEL_METRICS

        return MODEL_METRICS

    def experiment_printed(self) -> tuple[tuple[str, str, bool], ...]:
        from society.experiments.tables import PRINTED_METRICS

        return PRINTED_METRICS

    def experiment_responses(self) -> tuple[str, ...]:
        return ("survival_time", "gain_total")

    def experiment_anova_responses(self) -> tuple[str, ...]:
        from society.experiments.spec import RESPONSES

        return RESPONSES

    def experiment_plots(self, data: Any, folder: Any) -> dict[str, list[Any]]:
        from society.experiments.plots import all_plots

        return all_plots(data, folder)

    def experiment_notes(self) -> tuple[str, str]:
        return (
            "Mean [95% confidence interval] over seeds: Student t, clipped to [0, 100] % for "
            "shares; Wilson for the survival rate. Gain is the group's total harvest; efficiency "
            "above 100 % means harvesting beyond the sustainable yield; tokens and cost are per "
            "run ('–': not measured).",
            "GovSim-style comparison: every commons, intervention and seed of each model pooled.",
        )

    def compute_metrics(self, events: Sequence[Any]) -> Any:
        from society.games.commons.metrics import compute_metrics

        return compute_metrics(list(events))


GAME = Commons()
