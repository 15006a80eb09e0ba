"""The transcript: typed events (the core's kinds; games add theirs), an append-only writer
and a reader."""

from society.transcript.events import (
    CORE_EVENTS,
    EVENT_SCHEMA_VERSION,
    AgentInfo,
    AgentJoined,
    ChatMessageRecord,
    Decision,
    DecisionFailed,
    Event,
    LLMCall,
    MemoryRetrieved,
    RecalledMemory,
    ReflectionStored,
    RunFinished,
    RunStarted,
    UnknownEvent,
    kinds_for,
    parse_event,
)
from society.transcript.reader import TranscriptError, read_events, read_timings
from society.transcript.writer import EVENTS_FILE, TIMINGS_FILE, TranscriptWriter

__all__ = [
    "CORE_EVENTS",
    "EVENTS_FILE",
    "EVENT_SCHEMA_VERSION",
    "TIMINGS_FILE",
    "AgentInfo",
    "AgentJoined",
    "ChatMessageRecord",
    "Decision",
    "DecisionFailed",
    "Event",
    "LLMCall",
    "MemoryRetrieved",
    "RecalledMemory",
    "ReflectionStored",
    "RunFinished",
    "RunStarted",
    "TranscriptError",
    "TranscriptWriter",
    "UnknownEvent",
    "kinds_for",
    "parse_event",
    "read_events",
    "read_timings",
]
