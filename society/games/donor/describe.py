"""Short texts of the donor game's events, shared by `society inspect` and the report."""

from __future__ import annotations

from typing import Any


def strategy_text(strategy: Any) -> str:
    """An agent's strategy in one line: an LLM's words, or a rule agent's numbers."""
    if strategy is None:
        return "(none written)"
    if isinstance(strategy, str):
        return strategy
    text = f"{strategy['kind']} {strategy['fraction']:.0%}"
    if strategy["kind"] == "reciprocator":
        text += f", defector below {strategy['threshold']:.0%}"
        if strategy.get("punish_probability"):
            text += f", punishes p={strategy['punish_probability']:.2f} spending {strategy['punish_fraction']:.0%}"
    return text


def act_text(action: str, fraction: float, given: float, received: float, punished: float, cost: float) -> str:
    if action == "donate":
        return f"gave {fraction:.0%} ({given:.2f}; recipient got {received:.2f})"
    if action == "punish":
        return f"punished, spending {cost:.2f} to take {punished:.2f}"
    return "refused to interact"


def trace_text(trace: list[Any]) -> str:
    """The chain a donor saw, most recent first."""
    if not trace:
        return "no trace"
    links = []
    for link in trace:
        data = link if isinstance(link, dict) else link.model_dump()
        links.append(
            f"r{data['round']} {data['donor']}→{data['recipient']} "
            + act_text(data["action"], data["fraction"], data["given"], 0.0, data["punished"], data["cost"]).split(" (")[0]
        )
    return "; ".join(links)


def strategy_event_text(event: Any) -> str:
    body = strategy_text(event.text if event.text is not None else event.rule)
    origin = "from persona" if event.origin == "persona" else "written"
    copied = f", copied {event.copied_from}" if event.copied_from else ""
    return f"{event.agent} ({origin}{copied}): {body}"
