"""Test helpers for users and for this project's own tests.

- Fakes (`society.testing.fakes`): `ScriptedChatModel`, a LangChain chat model answering by
  (agent, prompt id), and `StubOpenAIServer`, an OpenAI-compatible server on 127.0.0.1.
- The conformance kit (`society.testing.conformance`): `check_game` and `check_institution`
  prove a game or an institution deterministic, resumable after a kill, with events that
  validate and round-trip, metrics recomputable from events, and prompts and schemas that
  render for every phase (docs/extending.md shows it on a game of one's own).
- `python -m society.testing.killer SPEC society-args...` SIGKILLs a run at a chosen point.
"""

from __future__ import annotations

from typing import Any

from society.testing.fakes import (
    ANY,
    FaultLog,
    FaultRates,
    InjectedFault,
    ScriptedChatModel,
    ScriptedRequest,
    StubOpenAIServer,
    StubReply,
    StubRequest,
    amount_reply,
    effort_reply,
    governance_reply,
)

__all__ = [
    "ANY",
    "ConformanceError",
    "ConformanceReport",
    "FaultLog",
    "FaultRates",
    "InjectedFault",
    "ScriptedChatModel",
    "ScriptedRequest",
    "StubOpenAIServer",
    "StubReply",
    "StubRequest",
    "amount_reply",
    "check_game",
    "check_institution",
    "effort_reply",
    "governance_reply",
]

_CONFORMANCE = {"ConformanceError", "ConformanceReport", "check_game", "check_institution"}


def __getattr__(name: str) -> Any:
    if name in _CONFORMANCE:
        from society.testing import conformance

        return getattr(conformance, name)
    raise AttributeError(f"module 'society.testing' has no attribute {name!r}")
