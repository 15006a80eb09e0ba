"""The commons' state at round 0: stock, norm and each agent's record from its persona."""

from __future__ import annotations

from typing import Any

from society.games.commons.dynamics.sustainability import sustainable_share
from society.games.commons.scenario import Scenario
from society.games.commons.state import AgentRecord, NormState, SocietyState, empty_news


def initial_state(scenario: Scenario, agents: list[Any]) -> SocietyState:
    params = scenario.commons
    # Personal norms start as a persona-given multiple of the sustainable per-agent share.
    founders = sum(1 for a in agents if a.joins_at == 1)
    share = sustainable_share(params.start_stock, params, max(1, founders))
    records: dict[str, AgentRecord] = {}
    for a in agents:
        strategy = scenario.persona(a.persona).strategy
        records[a.id] = AgentRecord(
            group=a.group,
            persona=a.persona,
            joins_at=a.joins_at,
            alive=True,
            payoff=params.initial_payoff,
            payoff_at_round_start=params.initial_payoff,
            strategy={
                "effort": strategy.effort,
                "monitor": strategy.monitor,
                "punish": strategy.punish,
                "noise": strategy.noise,
                "norm": round(strategy.norm_factor * share, 6),
                "keeps_agreements": strategy.keeps_agreements,
                "comply": strategy.comply,
                "norm_aim": strategy.norm_aim,
                "norm_weight": strategy.norm_weight,
                "aspiration": None,
                "text": "",
            },
            last_request=None,
            last_effort=None,
            last_harvest=None,
            last_payoff_change=None,
            offences=0,
            excluded_until=0,
            reputation={},
            reports=[],
            news=empty_news(0),
            previous_news=None,
            agreement=None,
        )
    norm = NormState(
        text=scenario.norm.text, limit=scenario.norm.limit, proposer=None, adopted_round=0
    )
    return SocietyState(
        round=0,
        stock=params.start_stock,
        round_start_stock=None,
        previous_stock=None,
        agents=records,
        norm=norm,
        ballot={},
        town_hall={},
        outcomes={},
        end_reason=None,
    )
