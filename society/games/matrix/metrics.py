"""A matrix run's metrics, from its events alone: per round and for the run the cooperation
rate (moves that were the matrix's `cooperate`), mutual cooperation and defection, the
coordination rate (both players chose the same action: the Battle of the Sexes' success), the
sucker's rate, mean payoffs; per player and per label (a rule player's persona, an LLM
player's model) the payoff per round; and the round-robin table of label against label
(society.analysis.pairwise).

Rates are over pairs played (or moves, for cooperation); a game whose matrix names no
`cooperate` has no cooperation numbers (None)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer

from society.analysis.pairwise import PairCell, Side, pair_cells
from society.analysis.usage import LLMUsage, llm_usage
from society.games.matrix.dynamics import suckered
from society.transcript.events import Event


class RoundMetrics(BaseModel):
    round: int
    plays: int
    void: int
    mean_payoff: float | None
    cooperation_rate: float | None
    mutual_cooperation: float | None
    coordination: float | None


class AgentMetrics(BaseModel):
    agent: str
    label: str
    rounds: int
    total: float
    mean_payoff: float | None
    cooperation_rate: float | None


class LabelMetrics(BaseModel):
    label: str
    agents: int
    rounds: int
    mean_payoff: float | None
    cooperation_rate: float | None
    sucker_rate: float | None  # its rounds in which it got the sucker's payoff
    exploit_rate: float | None  # its rounds in which it gave a partner the sucker's payoff


class MatrixMetrics(BaseModel):
    run_id: str
    scenario: str
    seed: int
    pairing: str
    rounds_limit: int
    rounds_completed: int
    end_reason: str
    actions: list[str]
    cooperate: str | None
    plays: int  # pair-rounds played
    void_plays: int  # pair-rounds not played: a player had no usable decision
    failed_decisions: int
    mean_payoff: float | None  # per player and round played
    cooperation_rate: float | None
    mutual_cooperation_rate: float | None
    mutual_defection_rate: float | None
    sucker_rate: float | None  # share of moves that got the sucker's payoff
    coordination_rate: float | None
    rounds: list[RoundMetrics] = Field(default_factory=list)
    agents: list[AgentMetrics] = Field(default_factory=list)
    strategies: list[LabelMetrics] = Field(default_factory=list)
    pairs: list[PairCell] = Field(default_factory=list)
    llm: LLMUsage = Field(default_factory=LLMUsage)
    # Each enabled institution's metrics (partner choice, punishment, reputation); left out of
    # the file while none is on, so runs without them keep their metrics.json.
    institutions: dict[str, Any] = Field(default_factory=dict)

    @model_serializer(mode="wrap")
    def _without_empty_institutions(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data = handler(self)
        if not data.get("institutions"):
            data.pop("institutions", None)
        return data


def label_of(persona: str, model: str) -> str:
    """What a player is counted as: a rule player's persona; an LLM player's model (with its
    persona unless it is the plain `player`)."""
    if model == "rules":
        return persona
    return model if persona == "player" else f"{model} ({persona})"


def _share(hits: int, n: int) -> float | None:
    return hits / n if n else None


def compute_metrics(events: Sequence[Event]) -> MatrixMetrics:
    started = events[0]
    scenario: dict[str, Any] = started.scenario  # type: ignore[attr-defined]
    matrix = scenario["matrix"]
    cooperate = matrix.get("cooperate")
    labels = {a.id: label_of(a.persona, a.model) for a in started.agents}  # type: ignore[attr-defined]
    by_round: dict[int, list[Any]] = defaultdict(list)
    void: dict[int, int] = defaultdict(int)
    failed_decisions = 0
    finished = None
    for event in events:
        kind = event.kind
        if kind == "pair_played":
            by_round[event.round].append(event)
        elif kind == "pair_void":
            void[event.round] += 1
        elif kind == "decision_failed":
            failed_decisions += 1
        elif kind == "run_finished":
            finished = event
    plays = [p for r in sorted(by_round) for p in by_round[r]]
    sides = list(_sides(plays, labels, cooperate))
    return MatrixMetrics(
        run_id=started.run_id,
        scenario=started.scenario_name,  # type: ignore[attr-defined]
        seed=started.seed,  # type: ignore[attr-defined]
        pairing=matrix.get("pairing", {}).get("kind", "fixed"),
        rounds_limit=scenario["rounds"],
        rounds_completed=finished.rounds_completed if finished else events[-1].round,
        end_reason=finished.end_reason if finished else "unfinished",
        actions=list(matrix["actions"]),
        cooperate=cooperate,
        plays=len(plays),
        void_plays=sum(void.values()),
        failed_decisions=failed_decisions,
        **_rates(plays, cooperate),
        rounds=[
            _round(r, by_round.get(r, []), void.get(r, 0), cooperate)
            for r in sorted(set(by_round) | set(void))
        ],
        agents=_agents(sides, labels),
        strategies=_labels(sides, labels),
        pairs=pair_cells(s for _, s in sides),
        llm=llm_usage(events),
        institutions=_institutions(scenario, events),
    )


def _institutions(scenario: dict[str, Any], events: Sequence[Event]) -> dict[str, Any]:
    from society.core.institution import for_game

    sections = scenario.get("institutions") or {}
    return {
        institution.name: institution.metrics(events)
        for institution in for_game("matrix")
        if (sections.get(institution.name) or {}).get("enabled") and institution.metrics
    }


def _round(number: int, plays: Sequence[Any], void: int, cooperate: str | None) -> RoundMetrics:
    rates = _rates(plays, cooperate)
    return RoundMetrics(
        round=number,
        plays=len(plays),
        void=void,
        mean_payoff=rates["mean_payoff"],
        cooperation_rate=rates["cooperation_rate"],
        mutual_cooperation=rates["mutual_cooperation_rate"],
        coordination=rates["coordination_rate"],
    )


def _sides(plays: Sequence[Any], labels: dict[str, str], cooperate: str | None) -> Any:
    """(agent, Side) for both players of every pair played."""
    for p in plays:
        for me, partner, mine, theirs, payoff in (
            (p.row, p.column, p.row_action, p.column_action, p.row_payoff),
            (p.column, p.row, p.column_action, p.row_action, p.column_payoff),
        ):
            measures = {"coordinated": float(mine == theirs)}
            if cooperate is not None:
                measures.update(
                    cooperated=float(mine == cooperate),
                    mutual_cooperation=float(mine == theirs == cooperate),
                    suckered=float(suckered(mine, theirs, cooperate)),
                    exploited=float(suckered(theirs, mine, cooperate)),
                )
            yield me, Side(labels[me], labels[partner], payoff, measures)


def _rates(plays: Sequence[Any], cooperate: str | None) -> dict[str, float | None]:
    n = len(plays)
    payoffs = [x for p in plays for x in (p.row_payoff, p.column_payoff)]
    rates: dict[str, float | None] = {
        "mean_payoff": sum(payoffs) / len(payoffs) if payoffs else None,
        "coordination_rate": _share(sum(p.row_action == p.column_action for p in plays), n),
        "cooperation_rate": None,
        "mutual_cooperation_rate": None,
        "mutual_defection_rate": None,
        "sucker_rate": None,
    }
    if cooperate is not None:
        moves = [a for p in plays for a in (p.row_action, p.column_action)]
        rates.update(
            cooperation_rate=_share(sum(a == cooperate for a in moves), len(moves)),
            mutual_cooperation_rate=_share(
                sum(p.row_action == p.column_action == cooperate for p in plays), n
            ),
            mutual_defection_rate=_share(
                sum(p.row_action != cooperate and p.column_action != cooperate for p in plays), n
            ),
            sucker_rate=_share(
                sum(
                    suckered(p.row_action, p.column_action, cooperate)
                    + suckered(p.column_action, p.row_action, cooperate)
                    for p in plays
                ),
                len(moves),
            ),
        )
    return rates


def _agents(sides: Sequence[tuple[str, Side]], labels: dict[str, str]) -> list[AgentMetrics]:
    found: dict[str, list[Side]] = {agent: [] for agent in sorted(labels)}
    for agent, side in sides:
        found[agent].append(side)
    return [
        AgentMetrics(
            agent=agent,
            label=labels[agent],
            rounds=len(mine),
            total=sum(s.payoff for s in mine),
            mean_payoff=_mean([s.payoff for s in mine]),
            cooperation_rate=_mean(
                [s.measures["cooperated"] for s in mine if "cooperated" in s.measures]
            ),
        )
        for agent, mine in found.items()
    ]


def _labels(sides: Sequence[tuple[str, Side]], labels: dict[str, str]) -> list[LabelMetrics]:
    found: dict[str, list[Side]] = defaultdict(list)
    for _, side in sides:
        found[side.label].append(side)
    counts: dict[str, int] = defaultdict(int)
    for label in labels.values():
        counts[label] += 1

    def measure(mine: list[Side], name: str) -> float | None:
        return _mean([s.measures[name] for s in mine if name in s.measures])

    return [
        LabelMetrics(
            label=label,
            agents=counts[label],
            rounds=len(found.get(label, [])),
            mean_payoff=_mean([s.payoff for s in found.get(label, [])]),
            cooperation_rate=measure(found.get(label, []), "cooperated"),
            sucker_rate=measure(found.get(label, []), "suckered"),
            exploit_rate=measure(found.get(label, []), "exploited"),
        )
        for label in sorted(counts)
    ]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None
