"""Typed decisions: everything read from a mind (rules or model) is one of these models.

Validators read the phase's facts from the validation context (who may be inspected, which
proposals are on the ballot...), so a reply naming a stranger or an impossible amount is
rejected with a precise error and re-asked, never clamped into something legal.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from society.core.decision import (
    RATIONALE_MAX,
    TEXT_MAX,
    Choice,
    DecisionModel,
    Limit,
)
from society.core.decision import context_of as _context

EVERYONE = "all"


def _within_max_chars(text: str, info: ValidationInfo) -> str:
    """Messages and town-hall turns share the scenario's cap on free text."""
    limit = _context(info).get("max_chars")
    if limit is not None and len(text) > limit:
        raise ValueError(f"text must be at most {limit} characters (got {len(text)})")
    return text


class _Inspects(DecisionModel):
    """Harvest decisions may name a peer to inspect (monitoring), when the society has it."""

    @classmethod
    def choices(cls, context: dict[str, Any]) -> tuple[Choice, ...]:
        allowed = context.get("inspectable")
        return () if allowed is None else ((("inspect",), (*allowed, None)),)

    @field_validator("inspect", check_fields=False)
    @classmethod
    def _inspectable(cls, target: str | None, info: ValidationInfo) -> str | None:
        if target is None or target == "":
            return None
        if info.context is None:  # built in code, not read from a mind: nothing to check against
            return target
        allowed = _context(info).get("inspectable")
        if allowed is None:
            raise ValueError("monitoring is not available in this society; leave 'inspect' null")
        if target not in allowed:
            raise ValueError(f"can only inspect one of: {', '.join(allowed)} (or null)")
        return target


class EffortHarvest(_Inspects):
    """How hard to harvest this round, as a fraction of one's full capacity."""

    effort: float = Field(
        ge=0.0, le=1.0, description="Fraction of full harvesting effort, from 0 to 1."
    )
    inspect: str | None = Field(
        None, description="A member whose harvest you inspect this round, or null."
    )
    rationale: str = Field(
        min_length=1, max_length=RATIONALE_MAX, description="One or two sentences: why."
    )


class AmountHarvest(_Inspects):
    """How many whole units to take from the commons this round."""

    amount: int = Field(ge=0, description="Whole units to take, from 0 to the current stock.")
    inspect: str | None = Field(
        None, description="A member whose catch you inspect this round, or null."
    )
    rationale: str = Field(
        min_length=1, max_length=RATIONALE_MAX, description="One or two sentences: why."
    )

    @classmethod
    def limits(cls, context: dict[str, Any]) -> tuple[Limit, ...]:
        most = context.get("max_amount")
        return () if most is None else ((("amount",), (("maximum", most),)),)

    @field_validator("amount")
    @classmethod
    def _within_stock(cls, amount: int, info: ValidationInfo) -> int:
        limit = _context(info).get("max_amount")
        if limit is not None and amount > limit:
            raise ValueError(f"amount must be between 0 and {limit}, the units available now")
        return amount


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
        peers = _context(info).get("peers")
        if peers is not None and to != EVERYONE and to not in peers:
            raise ValueError(f"'to' must be '{EVERYONE}' or one of: {', '.join(peers)}")
        return to

    @field_validator("text")
    @classmethod
    def _short_enough(cls, text: str, info: ValidationInfo) -> str:
        return _within_max_chars(text, info)

    @field_validator("claims")
    @classmethod
    def _claims_about_peers(cls, claims: list[Claim], info: ValidationInfo) -> list[Claim]:
        context = _context(info)
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
        context = _context(info)
        if messages and not context.get("gossip", True):
            raise ValueError("messages are not possible in this society; send none")
        cap = context.get("max_messages")
        if cap is not None and len(messages) > cap:
            raise ValueError(f"at most {cap} messages per round (got {len(messages)})")
        return messages

    @field_validator("punish")
    @classmethod
    def _punishable(cls, targets: list[str], info: ValidationInfo) -> list[str]:
        allowed = _context(info).get("punishable")
        if allowed is None:
            return targets
        for target in targets:
            if target not in allowed:
                known = ", ".join(allowed) if allowed else "nobody"
                raise ValueError(f"can only punish members known to break the norm: {known}")
        if len(set(targets)) != len(targets):
            raise ValueError("name each member to punish once")
        return targets


class Proposal(DecisionModel):
    """A norm for the group: text plus its numeric per-member limit."""

    text: str = Field(min_length=1, max_length=400, description="The norm, in one sentence.")
    limit: float = Field(
        ge=0.0, description="The most each member may take per round, in resource units."
    )
    rationale: str = Field(
        min_length=1, max_length=RATIONALE_MAX, description="One or two sentences: why."
    )


class Vote(DecisionModel):
    proposal: str = Field(description="The id of the proposal you vote for, e.g. 'P3'.")
    rationale: str = Field(
        min_length=1, max_length=RATIONALE_MAX, description="One or two sentences: why."
    )

    @classmethod
    def choices(cls, context: dict[str, Any]) -> tuple[Choice, ...]:
        ballot = context.get("ballot")
        return () if not ballot else ((("proposal",), tuple(ballot)),)

    @field_validator("proposal")
    @classmethod
    def _on_ballot(cls, proposal: str, info: ValidationInfo) -> str:
        ballot = _context(info).get("ballot")
        if ballot is not None and proposal not in ballot:
            raise ValueError(f"proposal must be one of: {', '.join(ballot)}")
        return proposal


class Revision(DecisionModel):
    """An LLM agent's revised strategy after seeing how peers fared."""

    followed: str | None = Field(
        None, description="The member whose approach you adopt, or null for none."
    )
    strategy: str = Field(
        min_length=1,
        max_length=400,
        description="Your strategy from now on, in one or two sentences.",
    )
    personal_limit: float = Field(
        ge=0.0, description="The most you intend to take per round, in resource units."
    )
    rationale: str = Field(
        min_length=1, max_length=RATIONALE_MAX, description="One or two sentences: why."
    )
    reflection: str | None = Field(
        None,
        max_length=400,
        description="Optional: one sentence on what this round taught you (you will remember it).",
    )

    @classmethod
    def choices(cls, context: dict[str, Any]) -> tuple[Choice, ...]:
        shown = context.get("peers_shown")
        return () if shown is None else ((("followed",), (*shown, None)),)

    @field_validator("followed")
    @classmethod
    def _followable(cls, followed: str | None, info: ValidationInfo) -> str | None:
        if followed in (None, ""):
            return None
        shown = _context(info).get("peers_shown")
        if shown is not None and followed not in shown:
            raise ValueError(
                f"'followed' must be null or one of the members in the table: {', '.join(shown)}"
            )
        return followed


class Reflection(DecisionModel):
    """An LLM agent's end-of-round insight, stored as a memory of kind 'reflection'."""

    insight: str = Field(
        min_length=1,
        max_length=400,
        description="One or two sentences: what you have learned from recent rounds.",
    )
    importance: int = Field(
        ge=1, le=10, description="How important this insight is for you, from 1 to 10."
    )


class Utterance(DecisionModel):
    """One turn in the town hall: what the speaker says and who speaks next."""

    text: str = Field(min_length=1, max_length=TEXT_MAX, description="What you say to everyone.")
    proposed_limit: float | None = Field(
        None, ge=0.0, description="A per-member limit you propose, in resource units, or null."
    )
    next_speaker: str | None = Field(
        None, description="Who speaks next, or null to end the discussion."
    )

    @classmethod
    def choices(cls, context: dict[str, Any]) -> tuple[Choice, ...]:
        present = context.get("peers")
        return () if present is None else ((("next_speaker",), (*present, None)),)

    @classmethod
    def limits(cls, context: dict[str, Any]) -> tuple[Limit, ...]:
        chars = context.get("max_chars")
        return () if chars is None else ((("text",), (("maxLength", chars),)),)

    @field_validator("text")
    @classmethod
    def _short_enough(cls, text: str, info: ValidationInfo) -> str:
        return _within_max_chars(text, info)

    @field_validator("next_speaker")
    @classmethod
    def _present(cls, speaker: str | None, info: ValidationInfo) -> str | None:
        if speaker in (None, ""):
            return None
        present = _context(info).get("peers")
        if present is not None and speaker not in present:
            raise ValueError(f"'next_speaker' must be null or one of: {', '.join(present)}")
        return speaker


class Agreement(DecisionModel):
    """What a member writes down after the town hall."""

    summary: str = Field(
        min_length=1, max_length=600, description="The discussion in two or three sentences."
    )
    agreed_limit: float | None = Field(
        None,
        ge=0.0,
        description="The per-member limit the group agreed on, in resource units, or null if none.",
    )


class RuleUpdate(DecisionModel):
    """A rule-based agent's new strategy tuple after individual and social learning."""

    effort: float = Field(ge=0.0, le=1.0)
    monitor: float = Field(ge=0.0, le=1.0)
    punish: float = Field(ge=0.0, le=1.0)
    norm: float = Field(ge=0.0)
    followed: str | None = None
    copy_probability: float | None = Field(None, ge=0.0, le=1.0)
    copied: bool = False
    rationale: str = Field(min_length=1, max_length=RATIONALE_MAX)

    @model_validator(mode="after")
    def _copy_needs_peer(self) -> RuleUpdate:
        if self.copied and self.followed is None:
            raise ValueError("a copied strategy names the peer it came from")
        return self


HARVEST_DECISIONS: dict[str, type[DecisionModel]] = {
    "effort": EffortHarvest,
    "amount": AmountHarvest,
}
