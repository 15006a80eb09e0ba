"""The transcript: typed events, an append-only writer and a reader."""

from society.transcript.events import (
    EVENT_SCHEMA_VERSION,
    AgentDied,
    AgentInfo,
    ChatMessageRecord,
    Decision,
    DecisionFailed,
    Event,
    HarvestResolved,
    LLMCall,
    PayoffsSettled,
    Regrowth,
    RoundFinished,
    RoundStarted,
    RunFinished,
    RunStarted,
    parse_event,
)
from society.transcript.reader import TranscriptError, read_events, read_timings
from society.transcript.writer import EVENTS_FILE, TIMINGS_FILE, TranscriptWriter

__all__ = [
    "EVENTS_FILE",
    "EVENT_SCHEMA_VERSION",
    "TIMINGS_FILE",
    "AgentDied",
    "AgentInfo",
    "ChatMessageRecord",
    "Decision",
    "DecisionFailed",
    "Event",
    "HarvestResolved",
    "LLMCall",
    "PayoffsSettled",
    "Regrowth",
    "RoundFinished",
    "RoundStarted",
    "RunFinished",
    "RunStarted",
    "TranscriptError",
    "TranscriptWriter",
    "parse_event",
    "read_events",
    "read_timings",
]
