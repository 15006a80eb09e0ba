"""Pure commons dynamics: no LangGraph, LangChain or Chroma here (a test enforces it)."""

from society.commons.ending import EndReason, collapsed, end_reason
from society.commons.harvest import HarvestOutcome, resolve_amounts, resolve_effort
from society.commons.inequality import gini
from society.commons.payoff import Settlement, settle
from society.commons.randomness import derive_rng
from society.commons.regrowth import doubling, logistic, regrow
from society.commons.reputation import PRIOR, update_reputation
from society.commons.sanctions import LadderStep, SanctionOutcome, ladder_step, sanction, violates
from society.commons.similarity import cosine, mean_pairwise_similarity
from society.commons.social_learning import fermi_probability
from society.commons.sustainability import (
    maximum_sustainable_yield,
    stock_signal,
    stock_trend,
    sustainable_share,
    sustainable_threshold,
)
from society.commons.voting import VoteResult, plurality

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
    "derive_rng",
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
    "update_reputation",
    "violates",
]
