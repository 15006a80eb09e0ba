"""Resolve the respond phase: deliver gossip and apply graduated sanctions.

Messages are data: they reach the recipients' news and move reputation beliefs, and nothing
in them is ever interpreted by the framework."""

from __future__ import annotations

from typing import Any

from society.coordinator.deps import CoordinatorDeps, decided
from society.games.commons import dynamics as commons
from society.games.commons.decisions import EVERYONE
from society.games.commons.dynamics.sanctions import LadderStep
from society.games.commons.events import ClaimRecord, MessageSent, SanctionApplied
from society.games.commons.state import SocietyState, alive, copy_agents
from society.games.commons.views import punishable


def resolve_respond(state: SocietyState, deps: CoordinatorDeps) -> dict[str, Any]:
    outcomes = state["outcomes"]
    if stop := deps.write_outcomes(outcomes):
        return {"end_reason": stop}
    choices = decided(outcomes)
    agents = copy_agents(state)
    _deliver_messages(state, agents, choices, deps)
    _apply_sanctions(state, agents, choices, deps)
    return {"agents": agents}


def _deliver_messages(
    state: SocietyState,
    agents: dict[str, Any],
    choices: dict[str, dict[str, Any]],
    deps: CoordinatorDeps,
) -> None:
    gossip = deps.scenario.institutions.gossip
    if not gossip.enabled:
        return
    number, limit, living = state["round"], state["norm"]["limit"], alive(state)
    for sender, choice in choices.items():
        for message in choice.get("messages", []):
            recipients = (
                [a for a in living if a != sender] if message["to"] == EVERYONE else [message["to"]]
            )
            claims = [ClaimRecord(**claim) for claim in message["claims"]]
            deps.writer.write(
                MessageSent(
                    round=number,
                    sender=sender,
                    to=message["to"],
                    recipients=recipients,
                    text=message["text"],
                    claims=claims,
                )
            )
            heard = {
                "sender": sender,
                "to": message["to"],
                "text": message["text"],
                "claims": message["claims"],
            }
            for recipient in recipients:
                record = agents[recipient]
                record["news"]["heard"].append(heard)
                for claim in message["claims"]:
                    if claim["about"] == recipient:
                        continue
                    record["reports"].append({**claim, "sender": sender})
                    belief = record["reputation"].get(claim["about"], commons.PRIOR)
                    complied = not commons.violates(claim["harvest"], limit)
                    record["reputation"][claim["about"]] = commons.update_reputation(
                        belief, complied, gossip.gossip_weight
                    )
    # Reports older than the previous round are no longer acted on; drop them.
    for record in agents.values():
        record["reports"] = [r for r in record["reports"] if r["round"] >= number - 1]


def _apply_sanctions(
    state: SocietyState,
    agents: dict[str, Any],
    choices: dict[str, dict[str, Any]],
    deps: CoordinatorDeps,
) -> None:
    sanctions = deps.scenario.institutions.sanctions
    if not sanctions.enabled:
        return
    number, limit = state["round"], state["norm"]["limit"]
    ladder = [_step(step) for step in sanctions.ladder]
    punished_now: set[str] = set()
    for punisher, choice in choices.items():
        allowed = set(punishable(state, punisher, deps))
        for target in choice.get("punish", []):
            if target not in allowed:  # validated already; a rule mind could still err
                raise ValueError(
                    f"{punisher} tried to punish {target}, who it does not know to be a violator"
                )
            # The step depends on the target's record before this round, so several
            # punishers in one round impose the same step.
            outcome = commons.sanction(
                punisher,
                target,
                ladder,
                state["agents"][target]["offences"],
                sanctions.cost,
                sanctions.fine,
            )
            deps.writer.write(
                SanctionApplied(
                    round=number,
                    punisher=punisher,
                    target=target,
                    target_harvest=agents[target]["news"]["harvest"],
                    norm_limit=limit,
                    step=outcome.step,
                    sanction=outcome.kind,
                    punisher_cost=outcome.punisher_cost,
                    fine=outcome.fine,
                    exclusion_rounds=outcome.exclusion_rounds,
                )
            )
            giver, receiver = agents[punisher], agents[target]
            giver["payoff"] -= outcome.punisher_cost
            giver["news"]["fines_paid"] += outcome.punisher_cost
            giver["news"]["punished"].append(target)
            receiver["payoff"] -= outcome.fine
            receiver["news"]["sanctions_received"].append(
                {
                    "by": punisher,
                    "kind": outcome.kind,
                    "fine": outcome.fine,
                    "exclusion_rounds": outcome.exclusion_rounds,
                }
            )
            if outcome.exclusion_rounds:
                receiver["excluded_until"] = max(
                    receiver["excluded_until"], number + outcome.exclusion_rounds
                )
            punished_now.add(target)
    for target in punished_now:
        agents[target]["offences"] += 1


def _step(step: Any) -> LadderStep:
    if step.kind == "fine":
        return LadderStep("fine", fine_multiple=step.multiple)
    if step.kind == "exclusion":
        return LadderStep("exclusion", exclusion_rounds=step.rounds)
    return LadderStep("warning")
