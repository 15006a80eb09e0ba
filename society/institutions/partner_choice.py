"""Partner choice: before a paired game's play, each member may refuse its scheduled partner,
or choose among `candidates` members, by reputation (society/institutions/reputation.py).

Written for any game that pairs members. The schedule still makes the pairs (the game's own
pairing phase, `pair` in the matrix game); this phase, after it, only lets a pair play when
both accept each other. With `candidates: 1` a member sees only its scheduled partner and
accepts or refuses it; with more it also sees candidates drawn from the others (seeded per
member and round), accepts any of them, and members left without a partner after the
scheduled pairs are matched, in a seeded order, to the first candidate on their list who
accepts them too and is free (a pair needs both sides' consent, as in Anastassacos, Hailes &
Musolesi 2020, where a selected agent can decline). A pair that does not form does not play:
each member left unmatched earns `refused_payoff` for the round.

The game offers it by returning a `PartnerChoiceHook` from
`Game.institution_hook("partner_choice")`:

- `scheduled(state)`: the schedule's pairs of this round ([first, second]);
- `members(state)`: every member, in the game's order (the order of pairs formed here);
- `persona(state, agent, deps)`, `record(state, agent, candidate, deps)`: the persona text
  and a few words on what `agent` knows of `candidate` (for the prompt);
- `apply(state, event, deps)`: the state update for the round's `PartnersChosen` event (the
  pairs that play, the refused payoff, the members refused).

Rule members accept candidates whose reputation (their belief that the candidate cooperates)
is at least `threshold`. LLM members are shown each candidate's reputation and record
(prompts/partner_choice.j2, bounded: `candidates` ≤ 8). One call per member per round.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from society.core.decision import RATIONALE_MAX, Choice, DecisionModel, Limit, context_of
from society.core.institution import Institution
from society.core.phase import Phase
from society.core.rng import derive_rng
from society.core.settings import Strict, rule_error
from society.institutions.reputation import NAME as REPUTATION
from society.institutions.reputation import belief
from society.transcript.events import Event

NAME = "partner_choice"
PROMPT = "partner_choice"
MAX_CANDIDATES = 8  # keeps the prompt bounded (tests/test_partner_choice.py checks it)


class PartnerChoiceSettings(Strict):
    """Before play, members may refuse their scheduled partner or choose among candidates by
    reputation; a pair plays only when both accept (Anastassacos, Hailes & Musolesi 2020)."""

    enabled: bool = Field(
        False,
        description="Members may refuse partners before play; needs institutions.reputation "
        "[Anastassacos et al. 2020].",
    )
    candidates: int = Field(
        1,
        ge=1,
        le=MAX_CANDIDATES,
        description="Members each one may accept: 1, only the scheduled partner (accept or "
        "refuse); more adds others drawn at random (seeded), and members left unmatched are "
        "paired by mutual acceptance [O].",
    )
    threshold: float = Field(
        0.4,
        ge=0.0,
        le=1.0,
        description="Rule members accept a candidate whose reputation (their belief that it "
        "cooperates) is at least this: 0.4, below reputation's prior 0.5, so strangers are "
        "accepted and a refused member whose reputation recovers towards the prior is "
        "accepted again [O].",
    )
    refused_payoff: float = Field(
        0.0,
        allow_inf_nan=False,
        description="What a member without a partner earns for the round: 0, nobody plays, "
        "as a refusal moves nothing in Vallinder & Hughes 2024's partner-choice donor game [O].",
    )


def _needs_reputation(section: Any) -> None:
    if not getattr(section, REPUTATION).enabled:
        raise rule_error(
            "partner choice chooses by reputation: set institutions.reputation.enabled: true",
            NAME,
            "enabled",
        )


# --- what a game gives (the hook) ---------------------------------------------------------------


class PartnerChoiceHook(Protocol):
    def scheduled(self, state: Any) -> list[list[str]]: ...

    def members(self, state: Any) -> list[str]: ...

    def persona(self, state: Any, agent: str, deps: Any) -> str: ...

    def record(self, state: Any, agent: str, candidate: str, deps: Any) -> str: ...

    def apply(self, state: Any, event: PartnersChosen, deps: Any) -> dict[str, Any]: ...


def hook_of(scenario: Any) -> PartnerChoiceHook:
    from society.core.registry import game_of

    game = game_of(scenario)
    hook = game.institution_hook(NAME)
    if hook is None:
        raise ValueError(f"game {game.name!r} offers no partner-choice hook")
    return hook


# --- events ------------------------------------------------------------------------------------


class Refusal(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    by: str
    target: str  # its scheduled partner
    belief: float  # the refuser's belief that the target cooperates


class PartnersChosen(Event):
    """The round's choices: the schedule's pairs, who refused whom, the pairs that play, the
    members left without a partner (they earn `refused_payoff`), and members without a usable
    decision (their scheduled pair does not play; never turned into a default answer)."""

    kind: Literal["partners_chosen"] = "partners_chosen"
    scheduled: list[tuple[str, str]]
    accepted: dict[str, list[str]]  # member -> the candidates it accepted
    refusals: list[Refusal]
    pairs: list[tuple[str, str]]
    unmatched: list[str]
    refused_payoff: float
    failed: list[str] = Field(default_factory=list)


# --- observation and decision ------------------------------------------------------------------


class CandidateView(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    scheduled: bool  # the schedule's partner this round
    reputation: float  # the chooser's belief that this candidate cooperates
    record: str  # what the chooser knows of it, in words


class PartnerView(BaseModel):
    """What a member is shown before it chooses."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    agent: str
    round: int
    persona: str = ""
    candidates: list[CandidateView]
    refused_payoff: float


class PartnerDecision(DecisionModel):
    """The candidates a member accepts to play with this round (an empty list refuses all)."""

    accept: list[str] = Field(
        default_factory=list,
        description="The candidates you accept to play with; leave out those you refuse.",
    )
    rationale: str = Field(
        min_length=1, max_length=RATIONALE_MAX, description="One or two sentences: why."
    )

    @classmethod
    def choices(cls, context: dict[str, Any]) -> tuple[Choice, ...]:
        names = context.get("candidates")
        return () if not names else ((("accept",), tuple(names)),)

    @classmethod
    def limits(cls, context: dict[str, Any]) -> tuple[Limit, ...]:
        names = context.get("candidates")
        return () if names is None else ((("accept",), (("maxItems", len(names)),)),)

    @field_validator("accept")
    @classmethod
    def _candidates_only(cls, accept: list[str], info: ValidationInfo) -> list[str]:
        names = context_of(info).get("candidates")
        if names is None:  # built in code, not read from a mind
            return accept
        for name in accept:
            if name not in names:
                raise ValueError(
                    f"{name!r} is not one of your candidates; your candidates: {', '.join(names)}"
                )
        if len(set(accept)) != len(accept):
            raise ValueError("name each candidate at most once")
        return accept


def rule_choice(view: PartnerView, threshold: float) -> PartnerDecision:
    accepted = [c.name for c in view.candidates if c.reputation >= threshold]
    refused = [
        f"{c.name} ({c.reputation:.2f})" for c in view.candidates if c.reputation < threshold
    ]
    why = f"I play only with members I believe cooperate at least {threshold:.2f} of the time"
    if refused:
        why += f"; I refuse {', '.join(refused)}"
    return PartnerDecision(accept=accepted, rationale=why)


# --- candidates and matching -------------------------------------------------------------------


def _settings(scenario: Any) -> PartnerChoiceSettings:
    return getattr(scenario.institutions, NAME)


def partner_in(pairs: Sequence[Sequence[str]], agent: str) -> str | None:
    for first, second in pairs:
        if agent == first:
            return second
        if agent == second:
            return first
    return None


def candidates_of(state: Any, agent: str, deps: Any) -> list[str]:
    """The scheduled partner first (if any), then others drawn for this member and round."""
    hook, settings = hook_of(deps.scenario), _settings(deps.scenario)
    partner = partner_in(hook.scheduled(state), agent)
    listed = [partner] if partner is not None else []
    extra = settings.candidates - len(listed)
    if extra > 0:
        others = [m for m in hook.members(state) if m != agent and m != partner]
        draw = derive_rng(deps.scenario.seed, state["round"], "candidates", agent)
        listed += draw.sample(others, min(extra, len(others)))
    return listed


def match(
    scheduled: Sequence[Sequence[str]],
    accepted: Mapping[str, Sequence[str]],
    candidates: Mapping[str, Sequence[str]],
    members: Sequence[str],
    rng: random.Random,
) -> list[tuple[str, str]]:
    """The pairs that play: the scheduled pairs whose members accept each other, then members
    still free, in a seeded order, each with the first free candidate on its list who accepts
    it too. A new pair's first member is the one earlier in `members`."""
    mutual = lambda a, b: b in accepted.get(a, ()) and a in accepted.get(b, ())  # noqa: E731
    pairs = [(a, b) for a, b in scheduled if mutual(a, b)]
    taken = {m for pair in pairs for m in pair}
    seat = {m: i for i, m in enumerate(members)}
    choosers = sorted(candidates)
    for agent in rng.sample(choosers, len(choosers)):
        if agent in taken:
            continue
        for other in candidates[agent]:
            if other not in taken and other != agent and mutual(agent, other):
                pairs.append(tuple(sorted((agent, other), key=seat.__getitem__)))  # type: ignore[arg-type]
                taken |= {agent, other}
                break
    return pairs


# --- the phase ---------------------------------------------------------------------------------


class ChoosePartners(Phase):
    """Members accept or refuse candidates; only mutually accepted pairs play."""

    name: ClassVar[str] = "choose"
    node: ClassVar[str] = "resolve_partner_choice"
    requires: ClassVar[frozenset[str]] = frozenset({"pairs"})
    produces: ClassVar[frozenset[str]] = frozenset({NAME})
    observation: ClassVar[type[BaseModel]] = PartnerView

    def enabled(self, scenario: Any) -> bool:
        return bool(_settings(scenario).enabled)

    def actors(self, state: Any, deps: Any) -> list[str]:
        hook = hook_of(deps.scenario)
        if _settings(deps.scenario).candidates == 1:
            return sorted(m for pair in hook.scheduled(state) for m in pair)
        return sorted(hook.members(state))

    def observe(self, state: Any, agent: str, deps: Any) -> dict[str, Any]:
        hook, settings = hook_of(deps.scenario), _settings(deps.scenario)
        prior = getattr(deps.scenario.institutions, REPUTATION).prior
        partner = partner_in(hook.scheduled(state), agent)
        return {
            "agent": agent,
            "round": state["round"],
            "persona": hook.persona(state, agent, deps),
            "candidates": [
                {
                    "name": c,
                    "scheduled": c == partner,
                    "reputation": belief(state["reputation"], agent, c, prior),
                    "record": hook.record(state, agent, c, deps),
                }
                for c in candidates_of(state, agent, deps)
            ],
            "refused_payoff": settings.refused_payoff,
        }

    def context(self, state: Any, agent: str, deps: Any) -> dict[str, Any]:
        return {
            "candidates": candidates_of(state, agent, deps),
            "threshold": _settings(deps.scenario).threshold,
        }

    def prompt_id(self, view: Any) -> str:
        return PROMPT

    def decision_type(self, view: Any, source: str) -> type[DecisionModel]:
        return PartnerDecision

    def rule(self, request: Any, rng: random.Random) -> DecisionModel:
        return rule_choice(request.observation, request.context["threshold"])

    def resolve(self, state: Any, deps: Any) -> dict[str, Any]:
        from society.coordinator.deps import decided

        outcomes = state["outcomes"] or {}
        if stop := deps.write_outcomes(outcomes):
            return {"end_reason": stop}
        hook, settings = hook_of(deps.scenario), _settings(deps.scenario)
        prior = getattr(deps.scenario.institutions, REPUTATION).prior
        scheduled = [tuple(pair) for pair in hook.scheduled(state)]
        actors = self.actors(state, deps)
        accepted = {a: list(d["accept"]) for a, d in decided(outcomes).items()}
        candidates = {a: candidates_of(state, a, deps) for a in actors if a in accepted}
        draw = derive_rng(deps.scenario.seed, state["round"], "partner_order")
        pairs = match(scheduled, accepted, candidates, hook.members(state), draw)
        refusals = [
            Refusal(by=me, target=other, belief=belief(state["reputation"], me, other, prior))
            for first, second in scheduled
            for me, other in ((first, second), (second, first))
            if me in accepted and other not in accepted[me]
        ]
        matched = {m for pair in pairs for m in pair}
        event = PartnersChosen(
            round=state["round"],
            scheduled=scheduled,  # type: ignore[arg-type]
            accepted=accepted,
            refusals=refusals,
            pairs=pairs,
            unmatched=[a for a in actors if a not in matched],
            refused_payoff=settings.refused_payoff,
            failed=sorted(set(actors) - set(accepted)),
        )
        deps.writer.write(event)
        return hook.apply(state, event, deps)


# --- memory, metrics, inspect ------------------------------------------------------------------


def _remember(event: PartnersChosen, state: Mapping[str, Any], keeper: Any) -> list[Any]:
    items = []
    for refusal in event.refusals:
        items.append(
            keeper.item(
                refusal.target,
                event,
                NAME,
                f"{refusal.by} refused to play with me.",
                0.7,
                about=refusal.by,
                tags=("refused_me",),
            )
        )
        items.append(
            keeper.item(
                refusal.by,
                event,
                NAME,
                f"I refused to play with {refusal.target} (I believed they cooperate "
                f"{refusal.belief:.0%} of the time).",
                0.5,
                about=refusal.target,
                tags=("refused",),
            )
        )
    return items


def partner_choice_metrics(events: Sequence[Any]) -> dict[str, Any]:
    """scheduled: scheduled pairs; refused_pairs: those that did not play because a member
    refused; refusal_rate: refused_pairs / scheduled; refusals: refusing members; re_formed:
    pairs formed off the schedule; unmatched: member-rounds without a partner; failed
    decisions; by_round."""
    rounds = [e for e in events if e.kind == "partners_chosen"]
    scheduled = sum(len(e.scheduled) for e in rounds)
    refused = sum(
        1
        for e in rounds
        for pair in e.scheduled
        if any({r.by, r.target} == set(pair) for r in e.refusals)
    )
    return {
        "scheduled": scheduled,
        "refused_pairs": refused,
        "refusal_rate": round(refused / scheduled, 6) if scheduled else None,
        "refusals": sum(len(e.refusals) for e in rounds),
        "re_formed": sum(
            1
            for e in rounds
            for pair in e.pairs
            if tuple(pair) not in {tuple(p) for p in e.scheduled}
        ),
        "unmatched": sum(len(e.unmatched) for e in rounds),
        "failed_decisions": sum(len(e.failed) for e in rounds),
        "by_round": [
            {"round": e.round, "pairs": len(e.pairs), "refusals": len(e.refusals)} for e in rounds
        ],
    }


def describe_partner_choice(event: Any) -> str:
    refused = ", ".join(f"{r.by}✗{r.target} ({r.belief:.2f})" for r in event.refusals)
    text = f"partner choice: {len(event.pairs)} of {len(event.scheduled)} scheduled pair(s) play"
    if refused:
        text += f"; refused: {refused}"
    if event.unmatched:
        text += f"; unmatched ({event.refused_payoff:g} each): {', '.join(event.unmatched)}"
    if event.failed:
        text += f"; no decision: {', '.join(event.failed)}"
    return text


INSTITUTION = Institution(
    name=NAME,
    settings=PartnerChoiceSettings,
    phases=(ChoosePartners(),),
    after="pair",
    games=("matrix",),
    events=(PartnersChosen,),
    memories={"partners_chosen": _remember},
    metrics=partner_choice_metrics,
    describe={"partners_chosen": describe_partner_choice},
    prompts=(PROMPT,),
    check=_needs_reputation,
)
