"""Gossip, and the respond turn it shares with sanctions: after the harvest (and the
inspections) are known, each member may send messages to one peer or to everyone, free text
plus structured claims about observed harvests, and (with sanctions on) punish peers it knows
broke the norm (`society.games.commons.institutions.sanctions` owns that part).

Messages are data: they reach the recipients' news and move their reputation beliefs by
`gossip_weight`, and nothing in them is ever interpreted by the framework. With sanctions alone
only members who know a violator take the turn (no model call is spent on the others)."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from society.core.decision import RATIONALE_MAX, TEXT_MAX, Choice, DecisionModel, Limit, context_of
from society.core.institution import Institution
from society.core.settings import Strict
from society.games.commons.institutions import sanctions as sanctioning
from society.games.commons.institutions._commons import CommonsTurn, number, of_kind
from society.transcript.events import Event

NAME = "gossip"
EVERYONE = "all"


class Gossip(Strict):
    """Messages between agents: free text plus structured claims about observed harvests."""

    enabled: bool = Field(
        False, description="Agents may send messages to one peer or to everyone [O]."
    )
    max_messages: int = Field(
        2, ge=1, le=20, description="Messages one agent may send per round [O]."
    )
    max_chars: int = Field(
        300, ge=20, le=4000, description="Characters of free text per message [O]."
    )
    max_heard_shown: int = Field(
        8,
        ge=1,
        le=200,
        description="Messages shown to a recipient per round; the rest are counted, keeping prompts bounded [O].",
    )
    observation_weight: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="How far one's own inspection moves a reputation belief [O].",
    )
    gossip_weight: float = Field(
        0.25, ge=0.0, le=1.0, description="How far a peer's claim moves a reputation belief [O]."
    )


# --- events ------------------------------------------------------------------------------------


class ClaimRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    about: str
    round: int
    harvest: float


class MessageSent(Event):
    """Gossip: delivered to the recipients as data; it never changes the rules."""

    kind: Literal["message"] = "message"
    sender: str
    to: str
    recipients: list[str]
    text: str
    claims: list[ClaimRecord]


# --- decisions ---------------------------------------------------------------------------------


def within_max_chars(text: str, info: ValidationInfo) -> str:
    """Messages and town-hall turns share the scenario's cap on free text."""
    limit = context_of(info).get("max_chars")
    if limit is not None and len(text) > limit:
        raise ValueError(f"text must be at most {limit} characters (got {len(text)})")
    return text


class Claim(DecisionModel):
    """'`about` harvested `harvest` in round `round`': hearsay to the recipient."""

    about: str = Field(description="The member the claim is about.")
    round: int = Field(ge=1, description="The round of that harvest.")
    harvest: float = Field(ge=0.0, description="How much they harvested.")


class Message(DecisionModel):
    to: str = Field(description=f"A member's name, or '{EVERYONE}' for everyone.")
    text: str = Field(min_length=1, max_length=TEXT_MAX, description="What you say.")
    claims: list[Claim] = Field(default_factory=list, description="Harvests you report, if any.")

    @field_validator("to")
    @classmethod
    def _known_recipient(cls, to: str, info: ValidationInfo) -> str:
        peers = context_of(info).get("peers")
        if peers is not None and to != EVERYONE and to not in peers:
            raise ValueError(f"'to' must be '{EVERYONE}' or one of: {', '.join(peers)}")
        return to

    @field_validator("text")
    @classmethod
    def _short_enough(cls, text: str, info: ValidationInfo) -> str:
        return within_max_chars(text, info)

    @field_validator("claims")
    @classmethod
    def _claims_about_peers(cls, claims: list[Claim], info: ValidationInfo) -> list[Claim]:
        context = context_of(info)
        peers, now = context.get("peers"), context.get("round")
        for claim in claims:
            if peers is not None and claim.about not in peers:
                raise ValueError(f"claims must be about one of: {', '.join(peers)}")
            if now is not None and claim.round > now:
                raise ValueError(
                    f"a claim cannot be about round {claim.round}, after this round ({now})"
                )
        return claims


class Respond(DecisionModel):
    """After the harvest: what to tell others and whom to punish."""

    messages: list[Message] = Field(
        default_factory=list, description="Messages to send (may be empty)."
    )
    punish: list[str] = Field(default_factory=list, description="Members to punish (may be empty).")
    rationale: str = Field(
        min_length=1, max_length=RATIONALE_MAX, description="One or two sentences: why."
    )

    @classmethod
    def choices(cls, context: dict[str, Any]) -> tuple[Choice, ...]:
        found: list[Choice] = []
        peers = context.get("peers")
        if peers is not None:
            found.append((("messages", "to"), (EVERYONE, *peers)))
            found.append((("messages", "claims", "about"), tuple(peers)))
        if context.get("punishable") is not None:
            found.append((("punish",), tuple(context["punishable"])))
        return tuple(found)

    @classmethod
    def limits(cls, context: dict[str, Any]) -> tuple[Limit, ...]:
        found: list[Limit] = [(("punish",), (("uniqueItems", True),))]
        if context.get("max_messages") is not None:
            found.append((("messages",), (("maxItems", context["max_messages"]),)))
        if context.get("max_chars") is not None:
            found.append((("messages", "text"), (("maxLength", context["max_chars"]),)))
        if context.get("round") is not None:  # claims are about this round or earlier ones
            found.append((("messages", "claims", "round"), (("maximum", context["round"]),)))
        return tuple(found)

    @field_validator("messages")
    @classmethod
    def _message_cap(cls, messages: list[Message], info: ValidationInfo) -> list[Message]:
        context = context_of(info)
        if messages and not context.get("gossip", True):
            raise ValueError("messages are not possible in this society; send none")
        cap = context.get("max_messages")
        if cap is not None and len(messages) > cap:
            raise ValueError(f"at most {cap} messages per round (got {len(messages)})")
        return messages

    @field_validator("punish")
    @classmethod
    def _punishable(cls, targets: list[str], info: ValidationInfo) -> list[str]:
        allowed = context_of(info).get("punishable")
        if allowed is None:
            return targets
        for target in targets:
            if target not in allowed:
                known = ", ".join(allowed) if allowed else "nobody"
                raise ValueError(f"can only punish members known to break the norm: {known}")
        if len(set(targets)) != len(targets):
            raise ValueError("name each member to punish once")
        return targets


# --- the rule policy ---------------------------------------------------------------------------


def rule_respond(view: Any, context: dict[str, Any], rng: random.Random) -> Respond:
    """Tell everyone of a violation one's own inspection saw; punish with propensity p."""
    messages = []
    seen = view.news.inspection if view.news else None
    if context.get("gossip") and seen is not None and seen.violated:
        unit = view.resource.unit
        messages.append(
            Message(
                to=EVERYONE,
                text=f"I saw {seen.target} take {seen.harvest:.1f} {unit}, above our limit of {view.norm_limit:g}.",
                claims=[Claim(about=seen.target, round=view.round, harvest=seen.harvest)],
            )
        )
    return Respond(
        messages=messages,
        punish=sanctioning.rule_punish(view, context, rng),
        rationale=f"punishing with propensity {view.strategy.punish:.2f}",
    )


# --- the turn ----------------------------------------------------------------------------------


def _alive(state: Mapping[str, Any]) -> list[str]:
    from society.core.state import alive

    return alive(state)


def responders(state: Mapping[str, Any], deps: Any) -> list[str]:
    """With gossip everyone may speak; with sanctions alone only those who know a violator
    have anything to decide (no model call is spent on the others)."""
    if getattr(deps.scenario.institutions, NAME).enabled:
        return _alive(state)
    return [agent for agent in _alive(state) if sanctioning.punishable(state, agent, deps)]


def respond_context(state: Mapping[str, Any], agent: str, deps: Any) -> dict[str, Any]:
    institutions = deps.scenario.institutions
    gossip = getattr(institutions, NAME)
    omit = []
    if not gossip.enabled:
        omit.append("messages")
    if not institutions.sanctions.enabled:
        omit.append("punish")
    return {
        "gossip": gossip.enabled,
        "peers": [peer for peer in _alive(state) if peer != agent],
        "max_messages": gossip.max_messages,
        "max_chars": gossip.max_chars,
        "punishable": sanctioning.punishable(state, agent, deps),
        "sanctions": institutions.sanctions.enabled,
        "punish_cost": institutions.sanctions.cost,
        "omit_fields": omit,
    }


def deliver_messages(
    state: Mapping[str, Any],
    agents: dict[str, Any],
    choices: Mapping[str, Mapping[str, Any]],
    deps: Any,
) -> None:
    from society.games.commons import dynamics as commons

    gossip = getattr(deps.scenario.institutions, NAME)
    if not gossip.enabled:
        return
    round_number, limit, living = state["round"], state["norm"]["limit"], _alive(state)
    for sender, choice in choices.items():
        for message in choice.get("messages", []):
            recipients = (
                [a for a in living if a != sender] if message["to"] == EVERYONE else [message["to"]]
            )
            claims = [ClaimRecord(**claim) for claim in message["claims"]]
            deps.writer.write(
                MessageSent(
                    round=round_number,
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
        record["reports"] = [r for r in record["reports"] if r["round"] >= round_number - 1]


def resolve_respond(state: Mapping[str, Any], deps: Any) -> dict[str, Any]:
    from society.coordinator.deps import decided
    from society.games.commons.state import copy_agents

    outcomes = state["outcomes"]
    if stop := deps.write_outcomes(outcomes):
        return {"end_reason": stop}
    choices = decided(outcomes)
    agents = copy_agents(state)
    deliver_messages(state, agents, choices, deps)
    sanctioning.apply_sanctions(state, agents, choices, deps)
    return {"agents": agents}


class RespondTurn(CommonsTurn):
    """Gossip and sanctions, in one turn after the harvest (and the inspections) are known."""

    name: ClassVar[str] = "respond"
    node: ClassVar[str] = "resolve_respond"
    requires: ClassVar[frozenset[str]] = frozenset({"harvests"})
    produces: ClassVar[frozenset[str]] = frozenset({"messages", "sanctions"})

    def enabled(self, scenario: Any) -> bool:
        return _takes_place(scenario)

    def actors(self, state: Any, deps: Any) -> list[str]:
        return responders(state, deps)

    def context(self, state: Any, agent: str, deps: Any) -> dict[str, Any]:
        return respond_context(state, agent, deps)

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        return resolve_respond(state, deps)

    def decision_type(self, view: Any, source: str) -> type[DecisionModel]:
        return Respond

    def rule(self, request: Any, rng: random.Random) -> DecisionModel:
        return rule_respond(request.observation, request.context, rng)


def _takes_place(scenario: Any) -> bool:
    institutions = scenario.institutions
    return bool(getattr(institutions, NAME).enabled or institutions.sanctions.enabled)


# --- memory, inspect, report -------------------------------------------------------------------


def _claimed(event: MessageSent, limit: float) -> tuple[str | None, tuple[str, ...]]:
    """Whom a message's claims are about (when all name one peer) and whether any claim puts
    that peer over the norm in force: what a rule mind can act on without reading the text."""
    from society.games.commons import dynamics as commons
    from society.games.commons.recall import COMPLIANCE, VIOLATION

    peers = {claim.about for claim in event.claims}
    if len(peers) != 1:
        return None, ()
    over = any(commons.violates(claim.harvest, limit) for claim in event.claims)
    return peers.pop(), (VIOLATION,) if over else (COMPLIANCE,)


def _remember(event: MessageSent, state: Mapping[str, Any], keeper: Any) -> list[Any]:
    claims = "".join(
        f" [claims {c.about} took {number(c.harvest)} in round {c.round}]" for c in event.claims
    )
    about, tags = _claimed(event, state["norm"]["limit"])
    items = []
    for recipient in event.recipients:
        whom = "all" if event.to == "all" else "me"
        text = f"{event.sender} to {whom}: «{event.text}»{claims}"
        weight = 0.6 if event.claims else 0.5
        items.append(keeper.item(recipient, event, "message", text, weight, about=about, tags=tags))
    return items


def _claims_text(m: Any) -> str:
    return "".join(f" [claims {c.about} took {c.harvest:g} in round {c.round}]" for c in m.claims)


def _inspect(console: Any, events: Sequence[Any]) -> None:
    from rich.markup import escape

    messages = of_kind(events, "message")
    if not messages:
        return
    console.print("[bold]Messages[/]")
    for m in messages:
        console.print(
            f"  {m.sender} → {m.to}: «{escape(m.text)}»{escape(_claims_text(m))}", highlight=False
        )


def _report(events: Sequence[Any]) -> dict[str, Any]:
    return {
        "messages": [
            [m.sender, m.to, m.text, [[c.about, c.round, c.harvest] for c in m.claims], m.seq]
            for m in of_kind(events, "message")
        ]
    }


def _describe(m: Any) -> str:
    return f"{m.sender} → {m.to}: «{m.text}»{_claims_text(m)}"


INSTITUTION = Institution(
    name=NAME,
    settings=Gossip,
    phases=(RespondTurn(),),
    after="harvest",
    games=("commons",),
    events=(MessageSent,),
    memories={"message": _remember},
    describe={"message": _describe},
    prompts=("respond",),
    active=_takes_place,
    dump_position=2,
    inspect_section=_inspect,
    report_round=_report,
    listed_when_off=True,
)
