"""Pure commons dynamics: no LangGraph, LangChain or Chroma here (a test enforces it)."""

from society.games.commons.dynamics.ending import EndReason, collapsed, end_reason
from society.games.commons.dynamics.harvest import HarvestOutcome, resolve_amounts, resolve_effort
from society.games.commons.dynamics.inequality import gini
from society.games.commons.dynamics.payoff import Settlement, settle
from society.games.commons.dynamics.regrowth import doubling, logistic, regrow
from society.games.commons.dynamics.reputation import PRIOR, update_reputation
from society.games.commons.dynamics.sanctions import (
    LadderStep,
    SanctionOutcome,
    ladder_step,
    sanction,
    violates,
)
from society.games.commons.dynamics.similarity import cosine, mean_pairwise_similarity
from society.games.commons.dynamics.social_learning import fermi_probability
from society.games.commons.dynamics.sustainability import (
    maximum_sustainable_yield,
    stock_signal,
    stock_trend,
    sustainable_share,
    sustainable_threshold,
    universalization_threshold,
)
from society.games.commons.dynamics.voting import VoteResult, plurality

__all__ = [
    "PRIOR",
    "EndReason",
    "HarvestOutcome",
    "LadderStep",
    "SanctionOutcome",
    "Settlement",
    "VoteResult",
    "collapsed",
    "cosine",
    "doubling",
    "end_reason",
    "fermi_probability",
    "gini",
    "ladder_step",
    "logistic",
    "maximum_sustainable_yield",
    "mean_pairwise_similarity",
    "plurality",
    "regrow",
    "resolve_amounts",
    "resolve_effort",
    "sanction",
    "settle",
    "stock_signal",
    "stock_trend",
    "sustainable_share",
    "sustainable_threshold",
    "universalization_threshold",
    "update_reputation",
    "violates",
]
