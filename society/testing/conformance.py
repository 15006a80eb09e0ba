"""The conformance kit: what every game and institution must do, checked on a real run.

`check_game(scenario, workdir)` runs the scenario (rule minds) several times and raises
`ConformanceError` listing every failure:

1. the same seed gives a byte-identical `events.jsonl` and `metrics.json`;
2. every event is of a kind the game registers (none read as unknown), validates, and
   round-trips through its JSON line;
3. the metrics recomputed from the events equal `metrics.json`;
4. every phase a turn was taken in renders its prompt (for an LLM mind) and its decision's
   JSON schema, and rendering changes no decision;
5. killed with SIGKILL at random points (a real process kill, also between a round's
   checkpoint and its mark) and resumed, the run ends with the same `events.jsonl`.

`check_institution(name, scenario, workdir)` also checks that the institution is on, its
phases are in the round and its events appear, then runs `check_game`.
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from society.agents.llm import render_request
from society.agents.mind import DecisionRequest, MindResult
from society.agents.rule_mind import RulesMind
from society.analysis.metrics_file import metrics_json, run_metrics_document
from society.backends.chat_model import decision_schema
from society.core.registry import INSTITUTIONS, game_of
from society.prompts import PromptLibrary
from society.transcript.events import CORE_EVENTS, UnknownEvent, kind_of
from society.transcript.reader import read_events


class ConformanceError(AssertionError):
    def __init__(self, subject: str, failures: list[str]) -> None:
        super().__init__(f"{subject}: " + "; ".join(failures))
        self.failures = failures


@dataclass
class ConformanceReport:
    subject: str
    events: int = 0
    kinds: set[str] = field(default_factory=set)
    phases_rendered: set[str] = field(default_factory=set)
    kills: list[str] = field(default_factory=list)


class RenderingMind(RulesMind):
    """A rule mind that also renders each request's prompt and schema, as an LLM mind would
    send them; its decisions are the rule mind's."""

    def __init__(self, prompts: PromptLibrary, seen: set[str], failures: list[str]) -> None:
        self.prompts, self.seen, self.failures = prompts, seen, failures

    async def decide(self, request: DecisionRequest) -> MindResult:
        try:
            rendered = render_request(self.prompts, request)
            if not rendered.messages or not all(m.content for m in rendered.messages):
                raise ValueError("an empty message")
            omit = tuple(request.context.get("omit_fields", ()))
            facts = request.validation_context or request.context
            decision_schema(
                request.decision_type,
                omit,
                request.decision_type.choices(facts),
                request.decision_type.limits(facts),
            )
            self.seen.add(request.phase)
        except Exception as error:  # every phase's failure is reported, not just the first
            self.failures.append(f"phase {request.phase!r}: {type(error).__name__}: {error}")
        return await super().decide(request)


def check_game(
    scenario: Any, workdir: Path, *, kills: int = 3, seed: int = 0
) -> ConformanceReport:
    """Raise ConformanceError unless the scenario's game conforms (see the module's doc).
    `scenario` is a loaded scenario model; keep it short (a few rounds, few agents)."""
    from society.coordinator.runner import agents_of, run_society_sync

    workdir = Path(workdir)
    game = game_of(scenario)
    report = ConformanceReport(f"game {game.name!r} ({scenario.name})")
    failures: list[str] = []
    first = run_society_sync(scenario, workdir / "a").run_dir
    second = run_society_sync(scenario, workdir / "b").run_dir
    for name in ("events.jsonl", "metrics.json"):
        if (first / name).read_bytes() != (second / name).read_bytes():
            failures.append(f"the same seed gave a different {name}")

    events = list(read_events(first))
    report.events = len(events)
    known = {kind_of(t) for t in (*CORE_EVENTS, *game.event_types())}
    for institution in INSTITUTIONS.all().values():
        known |= {kind_of(t) for t in getattr(institution, "events", ())}
    for event in events:
        report.kinds.add(event.kind)
        if isinstance(event, UnknownEvent) or event.kind not in known:
            failures.append(f"event #{event.seq} has kind {event.kind!r}, which nobody registers")
            continue
        again = type(event).model_validate_json(event.model_dump_json())
        if again != event:
            failures.append(f"event #{event.seq} ({event.kind}) does not round-trip")
    on_disk = json.loads((first / "metrics.json").read_text(encoding="utf-8"))
    if metrics_json(*run_metrics_document(events)) != on_disk:
        failures.append("metrics recomputed from the events differ from metrics.json")

    prompts = PromptLibrary.for_scenario(scenario)
    rendering = RenderingMind(prompts, report.phases_rendered, failures)
    minds = {agent.id: rendering for agent in agents_of(scenario)}
    rendered_run = run_society_sync(scenario, workdir / "rendered", minds=minds).run_dir
    if (rendered_run / "events.jsonl").read_bytes() != (first / "events.jsonl").read_bytes():
        failures.append("rendering prompts changed the run")
    acted = {e.phase for e in events if e.kind == "decision"}
    if missing := sorted(acted - report.phases_rendered):
        failures.append(f"phases with turns but no rendered prompt: {', '.join(missing)}")

    report.kills = _kill_and_resume(scenario, first, workdir / "killed", kills, seed, failures)
    if failures:
        raise ConformanceError(report.subject, failures)
    return report


def check_institution(
    name: str, scenario: Any, workdir: Path, *, kills: int = 3, seed: int = 0
) -> ConformanceReport:
    """`check_game` on a scenario that has the institution `name` on, and the institution's
    own contract: its phases run in the round and its events appear in the transcript."""
    institution = INSTITUTIONS.get(name)
    failures: list[str] = []
    if not institution.enabled(scenario):
        raise ConformanceError(f"institution {name!r}", ["it is off in this scenario"])
    game = game_of(scenario)
    in_round = {p.name for p in game.round_phases(scenario)}
    if missing := sorted({p.name for p in institution.phases} - in_round):
        failures.append(f"its phases are not in the round: {', '.join(missing)}")
    report = check_game(scenario, workdir, kills=kills, seed=seed)
    report.subject = f"institution {name!r} in {report.subject}"
    own = {kind_of(t) for t in institution.events}
    if own and not own & report.kinds:
        failures.append(f"none of its events ({', '.join(sorted(own))}) appeared in the run")
    if failures:
        raise ConformanceError(report.subject, failures)
    return report


def _kill_and_resume(
    scenario: Any, reference: Path, out: Path, kills: int, seed: int, failures: list[str]
) -> list[str]:
    """SIGKILL fresh runs at random points (a subprocess each) and resume them in process."""
    from society.coordinator.resume import resume_society

    out.mkdir(parents=True, exist_ok=True)
    path = out / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False), "utf-8")
    total = sum(1 for _ in (reference / "events.jsonl").open("rb"))
    rounds = max(1, sum(1 for e in read_events(reference) if e.kind == "round_finished"))
    draw = random.Random(seed)
    points = [f"before:{draw.randrange(1, total)}" for _ in range(max(0, kills - 1))]
    if kills:
        points.append(f"mark:{draw.randrange(1, rounds + 1)}")
    expected = (reference / "events.jsonl").read_bytes()
    for index, point in enumerate(points):
        target = out / str(index)
        done = subprocess.run(
            [sys.executable, "-m", "society.testing.killer", point, "run", str(path),
             "--out", str(target), "--quiet"],
            capture_output=True, text=True, check=False, timeout=600,
        )
        runs = [p for p in target.iterdir() if p.is_dir()] if target.is_dir() else []
        if done.returncode != -9 or len(runs) != 1:
            failures.append(f"kill at {point}: the run was not killed there ({done.stderr[-300:]})")
            continue
        try:
            asyncio.run(resume_society(runs[0]))
        except Exception as error:
            failures.append(f"kill at {point}: resume failed: {type(error).__name__}: {error}")
            continue
        if (runs[0] / "events.jsonl").read_bytes() != expected:
            failures.append(f"kill at {point}: the resumed run's events.jsonl differs")
    return points
