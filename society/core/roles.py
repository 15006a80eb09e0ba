"""Roles: who holds which office (a monitor, a leader, a treasurer), since when and until when.

Written once for every game. A role is held by an agent; its holding lives in the agent's
record (`record["roles"]`: role -> {since, until, how}), so it is checkpointed with the round
and LangGraph keeps it (the state schema declares `agents`). A record without roles has no
`roles` key at all, so a run without roles is byte-identical to one from before roles.

Where a role comes from:
- fixed: a population group's `role:` gives it to each of the group's agents from the round
  they join (`RoleAssigned`, how="fixed", until None);
- elected: an election (`society.institutions.elections`) gives it to the winner for a term
  (`RoleAssigned`, how="elected", until = the term's last round).

At the start of every round the core (`start_round`) ends the holdings whose term ran out
(`RoleEnded`, reason "term") or whose holder left (reason "left") and assigns fixed roles to
members who joined. A phase restricts its turns to a role's holders with
`Phase.acting_role(scenario)`; the round graph filters the phase's actors by it.

Every holding is recomputable from the transcript (`tenures`): the events say who took which
role in which round and when it ended.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from society.core.state import alive

ROLES = "roles"  # the agent record's key


def roles_of(record: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The record's roles: role -> {since, until, how} (empty without any)."""
    return dict(record.get(ROLES) or {})


def holds(record: Mapping[str, Any], role: str, round_number: int) -> bool:
    held = (record.get(ROLES) or {}).get(role)
    if held is None:
        return False
    return held["since"] <= round_number and (
        held["until"] is None or round_number <= held["until"]
    )


def holders(state: Any, role: str) -> list[str]:
    """Members (alive, joined) who hold `role` this round, in id order."""
    number = state["round"]
    return [a for a in alive(state) if holds(state["agents"][a], role, number)]


def acting(state: Any, role: str | None, actors: Sequence[str]) -> list[str]:
    """`actors` restricted to the holders of `role` (all of them when role is None)."""
    if role is None:
        return list(actors)
    number = state["round"]
    return [a for a in actors if holds(state["agents"][a], role, number)]


def fixed_roles(scenario: Any) -> dict[str, str]:
    """Population group -> the role each of its agents holds (groups with `role:`)."""
    return {g.name: g.role for g in scenario.population if getattr(g, "role", None)}


def assign(
    agents: dict[str, Any],
    agent: str,
    role: str,
    since: int,
    until: int | None,
    how: str,
    writer: Any,
) -> None:
    """Give `role` to `agent` in `agents` (a copy the caller returns) and write the event
    (as a plain payload of the core's kind: the core sits below the transcript's models)."""
    record = dict(agents[agent])
    held = roles_of(record)
    held[role] = {"since": since, "until": until, "how": how}
    record[ROLES] = dict(sorted(held.items()))
    agents[agent] = record
    writer.write(
        {
            "kind": "role_assigned",
            "round": since,
            "agent": agent,
            "role": role,
            "since": since,
            "until": until,
            "how": how,
        }
    )


def end(
    agents: dict[str, Any], agent: str, role: str, round_number: int, reason: str, writer: Any
) -> None:
    record = dict(agents[agent])
    held = roles_of(record)
    held.pop(role, None)
    record[ROLES] = held
    if not held:
        del record[ROLES]
    agents[agent] = record
    writer.write(
        {
            "kind": "role_ended",
            "round": round_number,
            "agent": agent,
            "role": role,
            "reason": reason,
        }
    )


def start_round(state: Any, update: dict[str, Any], deps: Any) -> dict[str, Any]:
    """The game's start-of-round `update` with roles brought up to date for the new round:
    expired or orphaned holdings end, members of groups with a fixed role take it. Returns
    `update` itself when nothing changes (a run without roles)."""
    fixed = fixed_roles(deps.scenario)
    merged = {**state, **update}
    agents_in = merged["agents"]
    if not fixed and not any(ROLES in r for r in agents_in.values()):
        return update
    number = merged["round"]
    members = set(alive(merged))
    agents = dict(agents_in)
    for agent in sorted(agents):
        for role, held in roles_of(agents[agent]).items():
            if agent not in members:
                end(agents, agent, role, number, "left", deps.writer)
            elif held["until"] is not None and held["until"] < number:
                end(agents, agent, role, number, "term", deps.writer)
    for agent in sorted(members):
        role = fixed.get(agents[agent]["group"])
        if role is not None and role not in roles_of(agents[agent]):
            assign(agents, agent, role, number, None, "fixed", deps.writer)
    if agents == agents_in:
        return update
    return {**update, "agents": agents}


# --- the transcript's view -----------------------------------------------------------------------


@dataclass(frozen=True)
class Tenure:
    """One holding of a role, as the transcript records it."""

    agent: str
    role: str
    since: int
    until: int | None  # the term's last round as assigned (None: open-ended)
    how: str
    ended: int | None  # the round its RoleEnded was written (None: held to the run's end)
    reason: str | None


def tenures(events: Sequence[Any], role: str | None = None) -> list[Tenure]:
    """Every holding of `role` (every role when None) in the order it began."""
    open_: dict[tuple[str, str], Any] = {}
    done: list[Tenure] = []

    def close(key: tuple[str, str], at: int | None, reason: str | None) -> None:
        start = open_.pop(key)
        done.append(
            Tenure(start.agent, start.role, start.since, start.until, start.how, at, reason)
        )

    for event in events:
        if event.kind == "role_assigned" and (role is None or event.role == role):
            key = (event.agent, event.role)
            if key in open_:
                close(key, event.round, "reassigned")
            open_[key] = event
        elif event.kind == "role_ended" and (role is None or event.role == role):
            key = (event.agent, event.role)
            if key in open_:
                close(key, event.round, event.reason)
    for key in list(open_):
        close(key, None, None)
    return sorted(done, key=lambda t: (t.since, t.role, t.agent))


def holder_by_round(events: Sequence[Any], role: str) -> dict[int, list[str]]:
    """Round -> the agents who held `role` in it (from the transcript alone)."""
    last = max((e.round for e in events if e.kind == "round_started"), default=0)
    found: dict[int, list[str]] = {}
    for tenure in tenures(events, role):
        stop = tenure.ended - 1 if tenure.ended is not None else last
        if tenure.until is not None:
            stop = min(stop, tenure.until)
        for number in range(tenure.since, stop + 1):
            found.setdefault(number, []).append(tenure.agent)
    return {r: sorted(a) for r, a in sorted(found.items())}
