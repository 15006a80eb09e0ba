"""Institutions a society may have (Ostrom's principles, docs/mechanics.md §3–4), and how rule-based
agents learn from consequences. Each institution is switched on and parameterised here.
Tags: [P] the social-learning CPR paper, [G] GovSim, [O] our own default.

The `institutions:` section is composed: the fixed sections below plus one field per
institution module registered for the commons (`society.institutions.*`, see
`society.core.institution.compose_settings`)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, model_validator

from society.core.institution import compose_settings, run_checks
from society.scenario._base import Stable, Strict, rule_error


class Monitoring(Strict):
    """Agents inspect one peer's harvest after the harvest (Ostrom 4)."""

    enabled: bool = Field(
        False,
        description="Rule agents inspect a random peer with their propensity m; LLM agents choose whom, or nobody [P].",
    )
    cost: float = Field(
        0.0, ge=0.0, description="What one inspection costs the inspector (units) [P: 0]."
    )
    target_suspects: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Rule agents: probability that an inspection targets a peer the agent's "
        "recalled memories name as a violator (seen, told or sanctioned), when they name one it "
        "can inspect; otherwise the target is random. 0 is the paper's random inspection [P]; "
        "the default uses memory [O].",
    )


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


class WarningStep(Strict):
    kind: Literal["warning"] = "warning"


class FineStep(Strict):
    kind: Literal["fine"] = "fine"
    multiple: float = Field(1.0, gt=0.0, description="Fine as a multiple of the base fine φ.")


class ExclusionStep(Strict):
    kind: Literal["exclusion"] = "exclusion"
    rounds: int = Field(1, ge=1, le=100, description="Rounds the offender may not harvest.")


SanctionStep = Annotated[WarningStep | FineStep | ExclusionStep, Field(discriminator="kind")]


def _default_ladder() -> list[SanctionStep]:
    # Graduated sanctions [P mechanism, O values]: warning, φ, 2φ, then exclusion for a round.
    return [WarningStep(), FineStep(multiple=1.0), FineStep(multiple=2.0), ExclusionStep(rounds=1)]


class Sanctions(Strict):
    """Costly, graduated punishment of known violators of the group norm (Ostrom 5)."""

    enabled: bool = Field(
        False, description="Agents may punish peers they know exceeded the norm G(t) [P]."
    )
    cost: float = Field(
        1.0,
        ge=0.0,
        description="κ: what each punishment costs the punisher (units) [O, Fehr–Gächter 1:3].",
    )
    fine: float = Field(3.0, ge=0.0, description="φ: the base fine (units) [O].")
    ladder: list[SanctionStep] = Field(
        default_factory=_default_ladder,
        min_length=1,
        description="Steps by the offender's number of earlier sanctioned rounds; the last step repeats.",
    )
    act_on_gossip: bool = Field(
        False, description="Agents may also punish peers that others reported as violators [O]."
    )


class Voting(Strict):
    """Collective choice of the norm: everyone proposes, then everyone votes (Ostrom 3)."""

    enabled: bool = Field(
        False, description="Propose-and-vote each round; the winner's limit becomes G(t+1) [P]."
    )
    max_ballot: int = Field(
        12,
        ge=2,
        le=200,
        description="Most proposals on the ballot: identical proposals merge; then those with most proposers, in agent order [O].",
    )


class SocialLearning(Strict):
    """Payoff-biased imitation of successful peers."""

    enabled: bool = Field(
        False, description="Agents adopt strategies from more successful peers [P]."
    )
    beta: float = Field(
        1.0,
        ge=0.0,
        le=100.0,
        description="β of the Fermi rule: selection strength [P rule, O value].",
    )
    peers_shown: int = Field(
        5, ge=1, le=50, description="Rows of the payoff-sorted peer table shown to LLM agents [O]."
    )


class TownHall(Strict):
    """GovSim's town-hall discussion after the harvest: opened with a report of everyone's
    catch; each speaker names the next; then every member writes down a summary and any
    agreed per-member limit, which it keeps in mind next round [G]."""

    enabled: bool = Field(False, description="Hold a town-hall discussion every round [G].")
    max_utterances: int = Field(10, ge=1, le=100, description="Utterances per discussion [G: 10].")
    report_catches: bool = Field(True, description="Open with everyone's catch of this round [G].")


class FixedInstitutions(Stable):
    """The commons' own institutions; `Institutions` adds the registered institution modules."""

    institution_checks: ClassVar[tuple[tuple[str, Any], ...]] = ()

    town_hall: TownHall = Field(default_factory=TownHall)
    monitoring: Monitoring = Field(default_factory=Monitoring)
    gossip: Gossip = Field(default_factory=Gossip)
    sanctions: Sanctions = Field(default_factory=Sanctions)
    voting: Voting = Field(default_factory=Voting)
    social_learning: SocialLearning = Field(default_factory=SocialLearning)

    @model_validator(mode="after")
    def _sanctions_need_knowledge(self) -> FixedInstitutions:
        informed = self.monitoring.enabled or (self.gossip.enabled and self.sanctions.act_on_gossip)
        if self.sanctions.enabled and not informed:
            raise rule_error(
                "sanctions need monitoring (or gossip with act_on_gossip): nobody can know of a violation",
                "sanctions",
                "enabled",
            )
        return self

    @model_validator(mode="after")
    def _institution_modules_fit(self) -> FixedInstitutions:
        run_checks(self)
        return self


# Built once, at import: the fixed sections and every registered institution of the commons.
Institutions: Any = compose_settings(FixedInstitutions, "commons", "Institutions")


class RuleLearning(Strict):
    """How rule-based agents learn from consequences, round by round [O: our rule, documented]:
    - harvesting: effort creeps up by `greed` after a round without a sanction (temptation);
      after a sanction the agent cuts its effort so that last round's harvest would have been
      `comply_margin` below the norm (deterrence);
    - monitoring: the propensity rises by `monitor_step` when an inspection catches a
      violator and falls by it when a paid inspection finds none;
    - norms: the personal norm (what the agent proposes and votes for) shrinks by `norm_step`
      when the resource visibly shrinks and grows by it when the resource grows."""

    enabled: bool = Field(
        True, description="Rule agents adapt their strategy from consequences [P mechanism]."
    )
    greed: float = Field(
        0.01, ge=0.0, le=1.0, description="Effort added after an unsanctioned round [O]."
    )
    comply_margin: float = Field(
        0.1, ge=0.0, le=1.0, description="After a sanction, aim this fraction below the norm [O]."
    )
    monitor_step: float = Field(
        0.02, ge=0.0, le=1.0, description="Change of the monitoring propensity [O]."
    )
    norm_step: float = Field(
        0.1,
        ge=0.0,
        le=1.0,
        description="Relative change of the personal norm when the resource visibly shrinks (down) or grows (up) [O].",
    )


class Interventions(Strict):
    """GovSim's interventions. A greedy newcomer is a population group with `joins_at` > 1;
    'no communication' is the town hall switched off."""

    universalization: bool = Field(
        False,
        description="Always remind agents: if everyone takes more than the sustainable share f(t)/N, the resource shrinks next round [G].",
    )


Ablation = Literal["full", "social_learning_only", "voting_only", "neither"]

ABLATION_SWITCHES: dict[str, tuple[bool, bool]] = {
    # ablation -> (social learning on, voting on), as in the paper's four arms [P]
    "full": (True, True),
    "social_learning_only": (True, False),
    "voting_only": (False, True),
    "neither": (False, False),
}
