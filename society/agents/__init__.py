"""Agents: decisions, observations, minds (rules and LLM) and the agent graph."""

from society.agents.decisions import AmountHarvest, DecisionModel, EffortHarvest
from society.agents.graph import build_agent_graph
from society.agents.llm import LLMMind
from society.agents.mind import DecisionRequest, Mind, MindResult
from society.agents.observation import Observation
from society.agents.rule_mind import RulesMind

__all__ = [
    "AmountHarvest",
    "DecisionModel",
    "DecisionRequest",
    "EffortHarvest",
    "LLMMind",
    "Mind",
    "MindResult",
    "Observation",
    "RulesMind",
    "build_agent_graph",
]
