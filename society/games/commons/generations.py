"""Generations in the commons: the core's seats (`society.core.generations`) applied to a
common-pool resource. Every member lives one generation (`generations.rounds_per_generation`
rounds), then retires; the successor born in its seat (`<generation>_<seat>`) takes over
what `generations.inherit` names from exactly that elder:

- memories: the elder's episodic memories (non-pinned, the latest `max_memories`), copied
  into the successor's store in (round, source event, id) order, marked "inherited";
- strategies: the elder's strategy record (a rule agent's numbers, an LLM's strategy text);
- norms: the society's norm in force and the elder's personal norm. Without it the norm goes
  back to the scenario's and the personal norm stays the successor's persona default.

A retired member is no longer alive (it stops acting) but did not die: no AgentDied is
written and it is not counted as starved. The turnover makes no model call.
"""

from __future__ import annotations

from typing import Any

from memory import MemoryItem, MemoryQuery
from society.core.agents import AgentSpec
from society.core.generations import born_in, possible_agents, seat_of
from society.games.commons.generation_events import AgentRetired, GenerationTurnover
from society.scenario._base import rule_error

INHERITED_TAG = "inherited"
# What a rule mind ever reads from memory: whom to inspect, among the current members its
# memories name as violators. Every peer an elder remembers retires with it, so inherited
# memories never name a candidate; at most they rank some of the successor's own older
# memories out of its recall.
RULES_IGNORE_MEMORIES = (
    "inheriting memories cannot change rule agents' choices: rule minds act on memories only "
    "to choose whom to inspect among current members, and every peer an elder's memories name "
    "retires with the elder (inherited items can at most push the successor's own older "
    "memories out of recall); LLM minds read them"
)


def check_generations(scenario: Any) -> None:
    """The scenario's rules for `generations:` (raised as file:line errors by the loader)."""
    settings = scenario.generations
    if settings is None:
        return
    if settings.count is not None and scenario.rounds > settings.count * settings.rounds_per_generation:
        raise rule_error(
            f"rounds ({scenario.rounds}) exceed generations.count × rounds_per_generation "
            f"({settings.count} × {settings.rounds_per_generation}); raise count or leave it "
            "out (then it follows the rounds)",
            "generations",
            "count",
        )
    if len(set(settings.inherit)) != len(settings.inherit):
        raise rule_error("an item is listed twice", "generations", "inherit")
    for index, group in enumerate(scenario.population):
        if group.joins_at != 1:
            raise rule_error(
                "with generations every seat is filled from round 1 (a successor joins when "
                "its generation starts); leave joins_at out",
                "population",
                index,
                "joins_at",
            )
    if settings.inherits("memories") and not scenario.memory.enabled:
        raise rule_error(
            "inheriting memories needs agents' memory (memory.enabled: true)",
            "generations",
            "inherit",
        )


def seat_groups(scenario: Any) -> list[Any]:
    """The population group of each seat, seats 1..N in population order."""
    return [group for group in scenario.population for _ in range(group.count)]


def agents(scenario: Any) -> list[AgentSpec]:
    """Every agent that may play: the founders 1_1..1_N and one successor per seat for each
    later generation, with the seat's group, persona and model."""
    settings = scenario.generations
    groups = seat_groups(scenario)
    return [
        AgentSpec(
            name,
            groups[seat - 1].name,
            groups[seat - 1].persona,
            scenario.model_for(groups[seat - 1]).name,
            (generation - 1) * settings.rounds_per_generation + 1,
        )
        for name, seat, generation in possible_agents(len(groups), settings.total(scenario.rounds))
    ]


def rule_notes(scenario: Any) -> list[str]:
    """What `society validate` and `society experiment` say about inheriting memories when a
    run's agents are rule minds (whose decisions memories cannot reach)."""
    settings = scenario.generations
    if settings is None or not settings.inherits("memories"):
        return []
    rules = {g.name for g in scenario.population if scenario.model_for(g).name == "rules"}
    if not rules:
        return []
    return [f"generations.inherit: {RULES_IGNORE_MEMORIES} (rule groups: {', '.join(sorted(rules))})"]


def turnover(state: Any, agents: dict[str, Any], number: int, deps: Any) -> dict[str, Any]:
    """At the first round of a later generation: retire the elders, hand each successor what
    it inherits, and return the state update (the norm). `agents` is the round's copy of the
    records, changed in place."""
    scenario, writer = deps.scenario, deps.writer
    settings = scenario.generations
    generation = settings.generation_of(number)
    successors = {
        agent: f"{generation - 1}_{seat_of(agent)}"
        for agent in sorted(agents, key=seat_of)
        if born_in(agent) == generation
    }
    retired = []
    for successor, elder in successors.items():
        record = agents[elder]
        if record["alive"]:
            record["alive"] = False
            record["retired"] = number
            retired.append(elder)
            writer.write(
                AgentRetired(
                    round=number,
                    agent=elder,
                    generation=generation - 1,
                    payoff=record["payoff"],
                    successor=successor,
                )
            )
    taken = 0
    for successor, elder in successors.items():
        taken += _inherit_record(agents[successor], agents[elder], settings)
        agents[successor]["lineage"] = {
            "elder": elder,
            "generation": generation,
            "inherited": list(settings.inherit),
            "memories": 0,
        }
    norm = dict(state["norm"])
    norm_reset = not settings.inherits("norms")
    if norm_reset:
        norm = {
            "text": scenario.norm.text,
            "limit": scenario.norm.limit,
            "proposer": None,
            "adopted_round": number,
        }
    remembered = _elders_memories(successors, number, deps)
    for successor, items in remembered.items():
        agents[successor]["lineage"]["memories"] = len(items)
    written = writer.write(
        GenerationTurnover(
            round=number,
            generation=generation,
            retired=retired,
            born=list(successors),
            successors=successors,
            inherit=list(settings.inherit),
            memories={successor: len(items) for successor, items in remembered.items()},
            strategies=taken,
            norm_limit=norm["limit"],
            norm_reset=norm_reset,
        )
    )
    _store_memories(remembered, successors, norm, number, written.seq, deps)
    return {"norm": norm}


def _inherit_record(successor: dict[str, Any], elder: dict[str, Any], settings: Any) -> int:
    """Carry the elder's strategy numbers/text and personal norm over as chosen; 1 if the
    strategy record passed on."""
    strategy = dict(successor["strategy"])
    if settings.inherits("strategies"):
        strategy.update({k: v for k, v in elder["strategy"].items() if k != "norm"})
    if settings.inherits("norms"):
        strategy["norm"] = elder["strategy"]["norm"]
    successor["strategy"] = strategy
    return int(settings.inherits("strategies"))


def _memory_on(deps: Any) -> bool:
    return deps.memory is not None and deps.scenario.memory.enabled


def _elders_memories(
    successors: dict[str, str], number: int, deps: Any
) -> dict[str, list[MemoryItem]]:
    """Successor -> its elder's latest `max_memories` non-pinned memories, in (round, source
    event, id) order, as the successor's inherited items (empty unless memories pass on)."""
    settings = deps.scenario.generations
    if not _memory_on(deps) or not settings.inherits("memories"):
        return {}
    elders = list(successors.values())
    # k = everything the elder holds: the ranking does not matter, the order is set below.
    queries = [
        MemoryQuery(
            agent=elder,
            text="what I lived through",
            k=deps.memory.count(elder),
            now_round=number,
            include_pinned=False,
        )
        for elder in elders
    ]
    held = dict(zip(elders, deps.memory.retrieve(queries), strict=True))
    found = {}
    for successor, elder in successors.items():
        latest = sorted(
            (scored.item for scored in held[elder]),
            key=lambda i: (i.round, -1 if i.source_seq is None else i.source_seq, i.id),
        )[-settings.max_memories :]
        found[successor] = [_inherited(item, successor, elder) for item in latest]
    return found


def _store_memories(
    remembered: dict[str, list[MemoryItem]],
    successors: dict[str, str],
    norm: dict[str, Any],
    number: int,
    seq: int,
    deps: Any,
) -> None:
    """Add the inherited memories, and pin the norm each successor starts under (inherited
    or reset), as founders get theirs at round 0."""
    if not _memory_on(deps):
        return
    from society.games.commons.remembering import MemoryKeeper

    keeper = MemoryKeeper(deps.memory, deps.scenario, deps.mind_sources, deps.writer)
    items = [item for successor in successors for item in remembered.get(successor, [])]
    items += [
        keeper.norm_item(successor, number, norm["text"], norm["limit"], norm["proposer"], seq)
        for successor in successors
    ]
    deps.memory.add(items)


def _inherited(item: MemoryItem, successor: str, elder: str) -> MemoryItem:
    return MemoryItem(
        agent=successor,
        round=item.round,
        kind=item.kind,
        text=f"(inherited from {elder}) {item.text}",
        importance=item.importance,
        source_seq=item.source_seq,
        about=item.about,
        tags=(*item.tags, INHERITED_TAG),
    )


# The successor's note, in every prompt after its persona (bounded: names and counts only).
LINEAGE_NOTE_MAX_CHARS = 400


def with_lineage(persona: str, lineage: dict[str, Any] | None) -> str:
    """A successor's persona followed by whom it succeeds and what it inherited; a founder's
    (or any agent of a run without generations) unchanged."""
    if lineage is None:
        return persona
    return f"{persona}\n{lineage_note(lineage)}"


def lineage_note(lineage: dict[str, Any]) -> str:
    elder = lineage["elder"]
    parts = {
        "memories": f"{lineage['memories']} of their memories (marked 'inherited from {elder}')",
        "strategies": "their strategy",
        "norms": "the norms they lived by",
    }
    passed = [parts[item] for item in lineage["inherited"]]
    what = (
        f"Passed on to you: {', '.join(passed)}."
        if passed
        else "Nothing of theirs was passed on to you: you start afresh."
    )
    return (
        f"You belong to generation {lineage['generation']} of this community: you have taken "
        f"over from {elder}, who retired. {what}"
    )
