"""The `Game` protocol: what a game package gives the core.

A game declares its scenario model, its state, its phases and their default order, what each
agent observes, how a round starts and how the run finishes, its round memory and its
metrics. The core (round graph, turn graph, runner, transcript, checkpoint/resume,
experiments) asks the game these questions and names no phase, event or number of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from society.core.phase import Phase


class RoundError(ValueError):
    """A scenario's `round:` list names a phase the game does not offer, repeats one, or puts
    a phase before the facts it needs. `index` is the offending position in the list."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


class Game:
    """Subclass per game; one instance is registered under `name`."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    scenario_type: ClassVar[type]  # the pydantic model of this game's scenario files
    state_type: ClassVar[type]  # a TypedDict extending society.core.state.CoreState
    # Facts the game's state holds when a round starts (phases may require them).
    start_facts: ClassVar[frozenset[str]] = frozenset()
    # The game's own prompt templates (a folder of .j2 files beside its code), searched after
    # the shipped prompts/ folder; None: its prompts ship in prompts/.
    prompts_folder: ClassVar[Any] = None
    # (agent, phase, view, k, round) -> MemoryQuery: what an agent recalls before a decision
    # when the round memory did not batch it (society.agents.graph.QueryFor).
    memory_query: Any = None

    # --- phases -----------------------------------------------------------------------------

    def phases(self, scenario: Any) -> Mapping[str, Phase]:
        """Every phase this game offers (with agent-only ones such as reflection), by name."""
        raise NotImplementedError

    def default_round(self, scenario: Any) -> list[str]:
        """The phase order when the scenario gives no `round:` list (the enabled phases)."""
        raise NotImplementedError

    def round_phases(self, scenario: Any) -> list[Phase]:
        """The phases of one round, in order: the scenario's `round:` list or the default.
        The last one closes the round (it has no turns)."""
        offered = self.phases(scenario)
        order = getattr(scenario, "round", None) or self.default_round(scenario)
        return [offered[name] for name in self.check_round(scenario, order)]

    def check_round(self, scenario: Any, order: Sequence[str]) -> list[str]:
        """`order` validated against the phases offered: known, once each, closed by a phase
        without turns, every required fact produced earlier."""
        offered = self.phases(scenario)
        known: set[str] = set(self.start_facts)
        seen: set[str] = set()
        for index, name in enumerate(order):
            if name not in offered or not hasattr(offered[name], "node"):
                raise RoundError(
                    f"game {self.name!r} has no phase {name!r}; its phases: "
                    f"{', '.join(self.offered_in_rounds(scenario))}",
                    index,
                )
            if name in seen:
                raise RoundError(f"phase {name!r} appears twice", index)
            seen.add(name)
            phase = offered[name]
            missing = sorted(phase.requires - known)
            if missing:
                makers = sorted(
                    p.name for p in offered.values() if set(missing) & p.produces
                )
                raise RoundError(
                    f"phase {name!r} needs {', '.join(missing)}, which no earlier phase "
                    f"produces" + (f" (put it after {' or '.join(makers)})" if makers else ""),
                    index,
                )
            known |= phase.produces
        if not order:
            raise RoundError("a round needs at least one phase")
        if offered[order[-1]].turns:
            closers = [p.name for p in offered.values() if not p.turns and p.name in order]
            raise RoundError(
                f"the last phase closes the round and takes no turns; {order[-1]!r} does"
                + (f" (end with {closers[-1]!r})" if closers else ""),
                len(order) - 1,
            )
        return list(order)

    def offered_in_rounds(self, scenario: Any) -> list[str]:
        """Phases a `round:` list may name (agent-only phases like reflection excluded)."""
        return [name for name, p in self.phases(scenario).items() if hasattr(p, "node")]

    # --- a run --------------------------------------------------------------------------------

    def agents(self, scenario: Any) -> list[Any]:
        """Every agent that may play in the run (society.core.agents.AgentSpec),
        founders and newcomers, known up front: the runner builds their minds at the start.
        Default: each population group's `count` agents, named '<group>-<n>'."""
        from society.core.agents import population_agents

        return population_agents(scenario)

    def scenario_notes(self, scenario: Any) -> list[str]:
        """Settings of a valid scenario that cannot change its outcome as configured (e.g. a
        choice only LLM minds can act on, with rule minds): `society validate` and `society
        experiment` print each as a note. Default: none."""
        return []

    def initial_state(self, scenario: Any, agents: Sequence[Any]) -> dict[str, Any]:
        raise NotImplementedError

    def start_round(self, state: Any, deps: Any) -> dict[str, Any]:
        """The update that starts the next round (its number at least); writes its events."""
        raise NotImplementedError

    def observe(
        self, state: Any, agent: str, phase: str, deps: Any, members: int | None = None
    ) -> dict[str, Any]:
        """What `agent` is shown in `phase` (plain data; the phase's observation model)."""
        raise NotImplementedError

    def finish(self, state: Any, deps: Any) -> None:
        """Write the run's last event."""
        raise NotImplementedError

    def sample_rounds(self, scenario: Any) -> int:
        """How many rounds a dry run plays to measure calls per round (default: round 1; a
        game whose rounds differ, like the donor game's generations, gives a whole cycle)."""
        return 1

    # The number a progress display shows: its label, its value before round 1 and after
    # each round (the commons' stock).
    headline_label: ClassVar[str] = "headline"

    def start_headline(self, scenario: Any) -> float:
        return 0.0

    def headline(self, state: Any) -> float:
        return 0.0

    def institution_hook(self, institution: str) -> Any | None:
        """What this game gives the institution `institution` to work with (its documented
        hook, e.g. `society.institutions.punishment.PunishmentHook`: who saw whose acts and how
        a payoff change is applied), or None when the game does not offer it."""
        return None

    def round_memory(self, deps: Any) -> Any | None:
        """The keeper of agents' episodic memory for this run, or None (memory off)."""
        return None

    def rule_blind_settings(self, scenario: Any) -> tuple[str, ...]:
        """Dotted paths of the scenario settings rule-based minds never read ('*' matches any
        key): prompt texts, the LLM section and persona descriptions, plus whatever the game
        adds. An experiment factor that varies only these cannot change a rule-only run, and
        `society validate` / `society experiment` say so (society.experiments.rule_blind)."""
        return ("prompts", "llm", "personas.*.description")

    def personas(self, scenario: Any, agents: Sequence[Any]) -> dict[str, str]:
        """Agent id -> the persona text its prompts show (the persona's `description`)."""
        return {a.id: scenario.persona(a.persona).description for a in agents}

    def compute_metrics(self, events: Sequence[Any]) -> Any:
        """The run's metrics (a pydantic model) from its events alone."""
        raise NotImplementedError

    def event_types(self) -> Sequence[type]:
        """The event kinds this game writes (besides the core's and its institutions')."""
        return ()

    # --- looking at a run: metrics table, inspect, report, experiment tables ---------------
    # A game's metrics model has at least run_id, rounds_completed, end_reason and llm
    # (society.analysis.usage.LLMUsage): the CLI and the experiment machinery read them.
    metrics_type: ClassVar[type]

    def metrics_rows(self, metrics: Any) -> list[tuple[str, str]]:
        """(name, value) rows of the metrics table printed after a run."""
        from society.core.presentation import scalar_rows

        return scalar_rows(metrics)

    def metrics_notes(self, metrics: Any) -> list[str]:
        """Lines printed under the metrics table (what a number means)."""
        return []

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
        """Print the run for `society inspect` (default: every event, round by round)."""
        from society.core.presentation import print_events

        print_events(console, events, agent=agent, round=round, prompts=prompts)

    def report_data(
        self, events: Sequence[Any], timings: Mapping[int, float], metrics: Any
    ) -> Any:
        """The data the HTML report draws (society.report.extract.RunData)."""
        from society.core.presentation import generic_report_data

        return generic_report_data(events, timings, metrics)

    def experiment_rows(
        self, events: Sequence[Any], metrics: Any
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """One row per run and rows per round for an experiment's tables."""
        from society.core.presentation import scalar_row

        return scalar_row(metrics), []

    # Experiment tables: (column of the per-run rows, heading, shown as a percentage). A game
    # names the columns of its per-cell table (summary.md, cells.csv), its per-model table,
    # the table `society experiment` prints, and its responses for a one-way ANOVA (the
    # first is printed with its confidence interval).
    def experiment_columns(self) -> tuple[tuple[str, str, bool], ...]:
        return ()

    def experiment_model_columns(self) -> tuple[tuple[str, str, bool], ...]:
        return self.experiment_columns()

    def experiment_printed(self) -> tuple[tuple[str, str, bool], ...]:
        return self.experiment_columns()

    def experiment_responses(self) -> tuple[str, ...]:
        return ()

    def experiment_anova_responses(self) -> tuple[str, ...]:
        """Per-run numbers an experiment's `anova.responses` may name."""
        names = [*self.experiment_responses(), *(c for c, _, _ in self.experiment_columns())]
        return tuple(dict.fromkeys(names))

    def experiment_pairs(self, events: Sequence[Any], metrics: Any) -> list[dict[str, Any]]:
        """A pairwise game's rows for round-robin tables: one per (label, opponent) of the run,
        with `rounds`, `payoff` and measures (society.analysis.pairwise.cell_rows); [] for a
        game without pairs."""
        return []

    def experiment_pair_columns(self) -> tuple[tuple[str, str, bool], ...]:
        """The columns of those rows the round-robin tables show (the first as the matrix)."""
        return ()

    def experiment_plots(self, data: Any, folder: Any) -> dict[str, list[Any]]:
        """An experiment's plots (society.experiments.data.ExperimentData): name -> files."""
        return {}

    def experiment_notes(self) -> tuple[str, str]:
        """What summary.md says under its per-cell table and its per-model table."""
        return (
            "Mean [95% confidence interval] over seeds: Student t, clipped to [0, 100] % for "
            "shares; tokens and cost are per run ('–': not measured).",
            "Every cell and seed of each model pooled.",
        )
