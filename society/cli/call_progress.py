"""The progress bar's model-call column for LLM runs: calls made, calls in flight (sent to a
server and not yet answered) and calls per second over the last half minute."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from society.backends.traffic import CallTraffic


def describe(traffic: CallTraffic) -> str:
    seen = traffic.snapshot()
    return f"calls {seen.finished:,} · {seen.in_flight} in flight · {seen.per_second:.1f}/s"


def call_column(traffic: CallTraffic) -> Any:
    """A Rich progress column that reads `traffic` at every refresh."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class CallColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            return Text(describe(traffic))

    return CallColumn()
