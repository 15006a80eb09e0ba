"""Agents: minds (rules and LLM), the decision request and the agent graph (game-agnostic)."""

from society.agents.graph import build_agent_graph
from society.agents.llm import LLMMind
from society.agents.mind import DecisionRequest, Mind, MindResult
from society.agents.rule_mind import RulesMind
from society.core.decision import DecisionModel

__all__ = [
    "DecisionModel",
    "DecisionRequest",
    "LLMMind",
    "Mind",
    "MindResult",
    "RulesMind",
    "build_agent_graph",
]
