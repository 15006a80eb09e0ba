"""Prompt audit: every statement the commons' prompts can make about the rules, and a checker
that a rendered prompt makes only statements that are true of its scenario.

Each `Statement` is a pattern that matches the sentence as the templates render it
(prompts/*.j2, prompts/partials/) and a rule saying when, and with which numbers, that
sentence is true. `audit_prompt` checks one rendered prompt; `audit_events` checks every
prompt a run sent (its `llm_call` events) against the scenario the run recorded. A template
that gains a sentence about the rules should gain its statement here (tests/test_prompt_audit.py
renders every prompt of every shipped commons scenario and of generated variants).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from society.core.institution import enabled_for
from society.games.commons import dynamics
from society.games.commons.scenario import Scenario
from society.transcript.events import Event, LLMCall, RunStarted

# (scenario, the match, the whole prompt text, prompt id) -> what is false, or None
Check = Callable[[Scenario, re.Match[str], str, str], str | None]


@dataclass(frozen=True)
class Statement:
    name: str
    pattern: re.Pattern[str]
    check: Check


@dataclass
class AuditReport:
    prompts: int = 0  # renderings checked
    statements: int = 0  # statement occurrences checked
    problems: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)  # names of the statements that occurred


def _on(scenario: Scenario, institution: str) -> bool:
    return institution in {i.name for i in enabled_for(scenario, "commons")}


def _number(text: str) -> float:
    return float(text)


def _requires(condition: Callable[[Scenario], bool], what: str) -> Check:
    def check(scenario: Scenario, _m: re.Match[str], _t: str, _p: str) -> str | None:
        return None if condition(scenario) else what

    return check


def _capacity(scenario: Scenario, m: re.Match[str], _t: str, _p: str) -> str | None:
    c = scenario.commons
    if not scenario.information.dynamics:
        return "states the capacity, but information.dynamics is off"
    if not math.isclose(_number(m["capacity"]), c.capacity) or m["unit"] != c.resource.unit:
        return f"says capacity {m['capacity']} {m['unit']}, scenario has {c.capacity:g} {c.resource.unit}"
    return None


def _doubling(scenario: Scenario, m: re.Match[str], _t: str, _p: str) -> str | None:
    rule = scenario.commons.regrowth
    if not scenario.information.dynamics:
        return "states the regrowth rule, but information.dynamics is off"
    if rule.kind != "doubling":
        return f"says what is left multiplies, but regrowth is {rule.kind}"
    said = 2.0 if m["factor"] is None else _number(m["factor"])
    if not math.isclose(said, rule.factor):
        return f"says the stock grows {said:g}-fold, scenario factor is {rule.factor:g}"
    return None


def _logistic(scenario: Scenario, m: re.Match[str], _t: str, _p: str) -> str | None:
    rule = scenario.commons.regrowth
    if not scenario.information.dynamics:
        return "states the regrowth rule, but information.dynamics is off"
    if rule.kind != "logistic":
        return f"states logistic growth, but regrowth is {rule.kind}"
    if not math.isclose(_number(m["rate"]), rule.rate):
        return f"says growth rate {m['rate']}, scenario rate is {rule.rate:g}"
    if not math.isclose(_number(m["capacity"]), scenario.commons.capacity):
        return f"says capacity {m['capacity']} in the growth rule, scenario has {scenario.commons.capacity:g}"
    return None


def _productivity(scenario: Scenario, m: re.Match[str], _t: str, _p: str) -> str | None:
    c = scenario.commons
    if not scenario.information.dynamics or c.harvest != "effort":
        return "states the effort harvest rule, but dynamics are not told or harvests are amounts"
    if not math.isclose(_number(m["alpha"]), c.productivity):
        return f"says productivity {m['alpha']}, scenario has {c.productivity:g}"
    return None


def _exact_stock(scenario: Scenario, m: re.Match[str], _t: str, _p: str) -> str | None:
    c = scenario.commons
    if not c.exact_stock_visible:
        return "shows the exact stock, but commons.exact_stock_visible is off"
    if m["name"] != c.resource.name or m["unit"] != c.resource.unit:
        return f"names the stock {m['name']} in {m['unit']}"
    if not 0.0 <= _number(m["stock"]) <= c.capacity + 1e-9:
        return f"shows stock {m['stock']}, outside 0..{c.capacity:g}"
    return None


def _ask_range(scenario: Scenario, m: re.Match[str], text: str, _p: str) -> str | None:
    c = scenario.commons
    if c.harvest != "amount":
        return "asks for a whole amount, but harvests are efforts"
    most = int(m["most"])
    stock = STOCK.search(text)
    if stock is not None and most != int(float(stock["stock"])):
        return f"asks 0..{most}, but the stock it shows is {stock['stock']}"
    if most > c.capacity:
        return f"asks 0..{most}, above the capacity {c.capacity:g}"
    return None


def _norm_limit(scenario: Scenario, m: re.Match[str], _t: str, _p: str) -> str | None:
    if m["unit"] != scenario.commons.resource.unit:
        return f"states the norm in {m['unit']}"
    if not _on(scenario, "voting") and not math.isclose(_number(m["limit"]), scenario.norm.limit):
        return f"states norm limit {m['limit']}, but voting is off and the norm is {scenario.norm.limit:g}"
    return None


def _universalization(scenario: Scenario, m: re.Match[str], text: str, prompt: str) -> str | None:
    if not scenario.interventions.universalization:
        return "makes the universalization statement, but the intervention is off"
    said = _number(m["share"])
    whole = scenario.commons.harvest == "amount"
    if whole and said != int(said):
        return f"universalization threshold {m['share']} is not a whole number (GovSim's ⌊⌊S/2⌋/N⌋)"
    stock, size = STOCK.search(text), MEMBERS.search(text)
    if prompt.startswith("harvest") and stock is not None and size is not None:
        expected = dynamics.universalization_threshold(
            float(stock["stock"]), scenario.commons, int(size["n"]), whole_units=whole
        )
        if not math.isclose(said, expected, abs_tol=0.05):
            return f"universalization threshold {said:g}, expected {expected:g} for stock {stock['stock']}"
    return None


def _members(scenario: Scenario, m: re.Match[str], _t: str, _p: str) -> str | None:
    total = sum(group.count for group in scenario.population)
    if not 1 <= int(m["n"]) <= total:
        return f"says {m['n']} members, the population has {total}"
    return None


def _round(scenario: Scenario, m: re.Match[str], _t: str, _p: str) -> str | None:
    if not 1 <= int(m["t"]) <= scenario.rounds:
        return f"says round {m['t']}, the scenario has {scenario.rounds} rounds"
    return None


def _s(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


STOCK = _s(r"The (?P<name>[\w ]+?) stock is (?P<stock>[\d.]+) (?P<unit>\w+)")
MEMBERS = _s(r"one of (?P<n>\d+) members")
NUMBER = r"-?\d+(?:\.\d+)?"

STATEMENTS: tuple[Statement, ...] = (
    Statement("round", _s(r"^Round (?P<t>\d+)\.$"), _round),
    Statement("community size", MEMBERS, _members),
    Statement("exact stock", STOCK, _exact_stock),
    Statement(
        "coarse stock signal",
        _s(r"The [\w ]+ looks (plentiful|moderate|scarce|critical)"),
        _requires(
            lambda s: not s.commons.exact_stock_visible,
            "shows a coarse stock signal, but the exact stock is visible",
        ),
    ),
    Statement(
        "consumption",
        _s(r"You use up some every round"),
        _requires(
            lambda s: s.commons.consumption > 0,
            "says members use up holdings, but consumption is 0",
        ),
    ),
    Statement(
        "starvation",
        _s(r"(?i)you starve"),
        _requires(lambda s: s.commons.starvation, "talks of starving, but starvation is off"),
    ),
    Statement(
        "no explicit reward",
        _s(r"Nobody tells you how rewards are computed"),
        _requires(
            lambda s: s.information.payoff == "hidden",
            "says rewards are not explained, but information.payoff tells them",
        ),
    ),
    Statement(
        "income per unit",
        _s(r"earns you the same income"),
        _requires(
            lambda s: s.information.payoff == "per_unit",
            "states the income per unit, but information.payoff is hidden",
        ),
    ),
    Statement(
        "long-run goal",
        _s(r"Your goal is the most income over the long run"),
        _requires(
            lambda s: s.information.goal == "long_run_income",
            "states a goal, but information.goal is none",
        ),
    ),
    Statement(
        "others' actions revealed",
        _s(r"everyone's \w+ is revealed to all"),
        _requires(
            lambda s: s.information.others_actions and s.institutions.town_hall.report_catches,
            "says everyone's harvest is revealed, but information.others_actions or the town hall is off",
        ),
    ),
    Statement(
        "capacity",
        _s(rf"can never exceed (?P<capacity>{NUMBER}) (?P<unit>\w+), its capacity"),
        _capacity,
    ),
    Statement(
        "doubling", _s(rf"whatever is left (?:doubles|grows (?P<factor>{NUMBER})-fold)"), _doubling
    ),
    Statement(
        "logistic growth",
        _s(rf"grows by (?P<rate>{NUMBER}) × R × \(1 − R / (?P<capacity>{NUMBER})\)"),
        _logistic,
    ),
    Statement("effort harvest rule", _s(rf"and takes (?P<alpha>{NUMBER}) × effort"), _productivity),
    Statement("amount asked", _s(r"a whole number from 0 to (?P<most>\d+)"), _ask_range),
    Statement(
        "effort asked",
        _s(r"How much effort \(0 to 1\)"),
        _requires(
            lambda s: s.commons.harvest == "effort", "asks for an effort, but harvests are amounts"
        ),
    ),
    Statement(
        "norm limit",
        _s(rf"at most (?P<limit>{NUMBER}) (?P<unit>\w+) per member and round"),
        _norm_limit,
    ),
    Statement(
        "universalization",
        _s(rf"if every member took more than (?P<share>{NUMBER}) \w+ each round"),
        _universalization,
    ),
    Statement(
        "inspection offered",
        _s(r"You may also inspect one member"),
        _requires(lambda s: _on(s, "monitoring"), "offers an inspection, but monitoring is off"),
    ),
    Statement(
        "inspection made",
        _s(r"- you inspected "),
        _requires(lambda s: _on(s, "monitoring"), "reports an inspection, but monitoring is off"),
    ),
    Statement(
        "punishment",
        _s(r"(?i)\bpunish(?:ing|ed)?\b"),
        _requires(lambda s: _on(s, "sanctions"), "mentions punishment, but sanctions are off"),
    ),
    Statement(
        "sanction received",
        _s(r"sanctioned you"),
        _requires(lambda s: _on(s, "sanctions"), "reports a sanction, but sanctions are off"),
    ),
    Statement(
        "exclusion",
        _s(r"You are excluded from"),
        _requires(lambda s: _on(s, "sanctions"), "reports an exclusion, but sanctions are off"),
    ),
    Statement(
        "messages",
        _s(r"(?i)members may talk|Members you can message"),
        _requires(lambda s: _on(s, "gossip"), "offers messaging, but gossip is off"),
    ),
    Statement(
        "beliefs about others",
        _s(r"What you believe about others"),
        _requires(
            lambda s: _on(s, "gossip") or _on(s, "monitoring"),
            "shows reputation beliefs, but neither gossip nor monitoring is on",
        ),
    ),
    Statement(
        "town hall",
        _s(r"(?i)town hall"),
        _requires(lambda s: _on(s, "town_hall"), "mentions the town hall, but it is off"),
    ),
    Statement(
        "norm vote",
        _s(r"(?i)everyone votes|community votes|Propose the norm"),
        _requires(lambda s: _on(s, "voting"), "asks for a norm vote, but voting is off"),
    ),
    Statement(
        "strategy revision",
        _s(r"revise your strategy"),
        _requires(
            lambda s: _on(s, "social_learning"),
            "asks for a strategy revision, but social learning is off",
        ),
    ),
    Statement(
        "appeals",
        _s(r"(?i)\bappeal|\bjury\b"),
        _requires(
            lambda s: _on(s, "appeals"), "mentions appeals, but the appeals institution is off"
        ),
    ),
)

# Quoted text is other members' (or the agent's own earlier) words, not the template's: a
# peer may well write "town hall" or "punish" in a message; the audit checks the templates.
QUOTED = re.compile(r"«[^»]*»|\"[^\"\n]*\"")
# Memories a model may have written (its reflections and strategy revisions) are its words too.
MODEL_WRITTEN = re.compile(r"^- (?:\(always\) )?round \d+ (?:reflection|learning):")


def audit_prompt(
    scenario: Scenario, prompt_id: str, texts: Sequence[str], report: AuditReport
) -> None:
    """Check one rendered prompt (its messages' texts) and add what is false to `report`."""
    report.prompts += 1
    for role_text in texts:
        text = QUOTED.sub("«…»", role_text)
        for line in text.splitlines():
            if MODEL_WRITTEN.match(line):
                continue
            for statement in STATEMENTS:
                for match in statement.pattern.finditer(line):
                    report.statements += 1
                    report.seen.add(statement.name)
                    problem = statement.check(scenario, match, text, prompt_id)
                    if problem is not None:
                        report.problems.append(
                            f"{scenario.name} {prompt_id}: {statement.name}: {problem} [{line.strip()[:120]}]"
                        )


def audit_events(events: Iterable[Event], report: AuditReport | None = None) -> AuditReport:
    """Check every prompt of a commons run's transcript against the scenario it recorded."""
    report = report or AuditReport()
    scenario: Scenario | None = None
    for event in events:
        if isinstance(event, RunStarted):
            scenario = Scenario.model_validate(event.scenario)
        elif isinstance(event, LLMCall):
            if scenario is None:
                raise ValueError("an llm_call before run_started: not a run transcript")
            # A re-ask carries the model's unusable reply (its words, not ours) and the repair
            # request: only the prompt's own system and user messages are the templates'.
            ours = [m.content for m in event.messages if m.role != "assistant"]
            audit_prompt(scenario, event.prompt_id, ours, report)
    return report
