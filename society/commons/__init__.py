"""Pure commons dynamics: no LangGraph, LangChain or Chroma here (a test enforces it)."""

from society.commons.ending import EndReason, collapsed, end_reason
from society.commons.harvest import HarvestOutcome, resolve_amounts, resolve_effort
from society.commons.inequality import gini
from society.commons.payoff import Settlement, settle
from society.commons.randomness import derive_rng
from society.commons.regrowth import doubling, logistic, regrow
from society.commons.sustainability import (
    maximum_sustainable_yield,
    stock_signal,
    sustainable_share,
    sustainable_threshold,
)

__all__ = [
    "EndReason",
    "HarvestOutcome",
    "Settlement",
    "collapsed",
    "derive_rng",
    "doubling",
    "end_reason",
    "gini",
    "logistic",
    "maximum_sustainable_yield",
    "regrow",
    "resolve_amounts",
    "resolve_effort",
    "settle",
    "stock_signal",
    "sustainable_share",
    "sustainable_threshold",
]
