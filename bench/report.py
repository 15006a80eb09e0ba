"""Load time of `society report` pages for large runs, in headless Chromium.

Builds (or reuses, from --keep) a run of N agents × T rounds (default 100 × 50), half
altruistic and half neutral, on the demo's institutions (monitoring, gossip, sanctions, voting)
plus social learning, with the paper commons scaled per agent (as bench/overhead.py does) so
the run lasts every round; writes its report and opens it in the system
Chromium (Debian's `chromium`, driven by Playwright; nothing is downloaded). Two societies:

- `rules`: rule-based agents (no prompts; memories and reflections recalled per decision);
- `llm`: LLM agents on `ScriptedChatModel` answering each prompt at once, so every decision
  has a rendered prompt, recalled memories and a raw reply (the largest pages).

Reported per society: events.jsonl size, time to write the report, the page's size, and the
median over --repeats fresh browser profiles of: load (navigation start to the first view drawn,
data decoded), open a decision (click to its prompt shown) and filter by agent (select to the
rows drawn).

    .venv/bin/python bench/report.py                          # both societies, 100 × 50
    .venv/bin/python bench/report.py --minds llm --agents 20 --rounds 10 --repeats 1
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

_BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _BENCH_DIR]

from society.coordinator.runner import run_society  # noqa: E402
from society.report import write_run_report  # noqa: E402
from society.report.headless import find_chromium, headless_page  # noqa: E402
from society.scenario.loading import load_scenario, load_scenario_with_data  # noqa: E402
from society.testing import ScriptedChatModel, ScriptedRequest, effort_reply, governance_reply  # noqa: E402

REPO = _BENCH_DIR.parent
DEMO = REPO / "scenarios" / "demo.yaml"
PAPER_AGENTS = 10


def scenario_for(mind: str, agents: int, rounds: int) -> Any:
    base = load_scenario_with_data(DEMO).data
    commons = dict(base["commons"])
    # The paper commons per agent, as bench/overhead.py does, so that no run ends early.
    commons["capacity"] = float(commons["capacity"]) * agents / PAPER_AGENTS
    commons["productivity"] = float(commons["productivity"]) * PAPER_AGENTS / agents
    half = agents // 2
    overrides: dict[str, Any] = {
        "name": f"report-{mind}-{agents}x{rounds}",
        "rounds": rounds,
        "commons": commons,
        "population": [
            {"name": "altruists", "count": half, "persona": "altruistic"},
            {"name": "neutrals", "count": agents - half, "persona": "neutral"},
        ],
        "institutions": {**base["institutions"], "social_learning": {"enabled": True}},
    }
    if mind == "llm":
        overrides["model"] = {"name": "scripted:bench"}
    return load_scenario(DEMO, overrides)


def scripted_replies(agents: int) -> Any:
    others = agents - agents // 2
    width = len(str(others))  # agent ids are zero-padded to the group's size

    def reply(request: ScriptedRequest) -> str:
        return scripted_reply(request, f"neutrals-{(request.round * 7) % others + 1:0{width}d}")

    return reply


def scripted_reply(request: ScriptedRequest, suspect: str) -> str:
    number = int(request.agent.rsplit("-", 1)[1])
    if request.prompt_id == "harvest_effort":
        return effort_reply(0.2 if request.agent.startswith("altruists") else 0.45, "steady")
    if request.prompt_id == "respond":
        if number % 10:  # one agent in ten speaks up each round
            return json.dumps({"messages": [], "punish": [], "rationale": "nothing to say"})
        about = suspect if suspect != request.agent else "altruists-" + suspect.split("-")[1]
        return json.dumps(
            {
                "messages": [
                    {
                        "to": "all",
                        "text": f"I think {about} takes too much.",
                        "claims": [{"about": about, "round": request.round, "harvest": 9}],
                    }
                ],
                "punish": [],
                "rationale": "warn the others",
            }
        )
    canned = governance_reply(request)
    if canned is not None:
        return canned
    if request.prompt_id == "reflect":
        return json.dumps({"insight": "Steady effort keeps the stock up.", "importance": 5})
    raise LookupError(f"no scripted reply for prompt {request.prompt_id!r}")


def make_run(mind: str, agents: int, rounds: int, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    existing = sorted(p for p in out.glob(f"report-{mind}-{agents}x{rounds}-*") if p.is_dir())
    if existing and (existing[-1] / "metrics.json").is_file():
        return existing[-1]
    scenario = scenario_for(mind, agents, rounds)
    fake = ScriptedChatModel(responder=scripted_replies(agents))
    result = asyncio.run(
        run_society(scenario, out, chat_model_factory=lambda spec: fake, backoff_s=0.0)
    )
    metrics = result.metrics
    if metrics.rounds_completed != rounds:
        raise SystemExit(f"{mind}: the run ended after {metrics.rounds_completed} rounds")
    return result.run_dir


def measure_page(page_file: Path, agent: str) -> dict[str, float]:
    url = page_file.resolve().as_uri()
    with headless_page() as page:
        started = time.perf_counter()
        page.goto(url)
        page.wait_for_selector("body[data-ready='1']", timeout=120_000)
        load = time.perf_counter() - started
        page.goto(url + "#view=agent&agent=" + agent)
        page.wait_for_selector("[data-view='agent'] a.decision")
        links = page.locator("[data-view='agent'] a.decision")
        middle = links.nth(links.count() // 2)  # a decision halfway through the run
        started = time.perf_counter()
        middle.click()
        page.wait_for_selector("#detail [data-decision] h2", timeout=60_000)
        decision = time.perf_counter() - started
        page.goto(url + "#view=search")
        page.wait_for_selector("[data-view='search'] tr.hit")
        started = time.perf_counter()
        page.select_option("#filter-agent", agent)
        page.wait_for_function(f"location.hash.includes('fa={agent}')")
        page.wait_for_selector("[data-view='search'] tr.hit")
        filtered = time.perf_counter() - started
        if page.society_errors:
            raise SystemExit(f"page errors: {page.society_errors}")
    return {"load_s": load, "open_decision_s": decision, "filter_s": filtered}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minds", default="rules,llm")
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=Path("/tmp/society-bench-report"))
    args = parser.parse_args()
    if find_chromium() is None:
        raise SystemExit("Chromium is not installed: apt-get install chromium")
    for mind in args.minds.split(","):
        started = time.perf_counter()
        run_dir = make_run(mind, args.agents, args.rounds, args.keep)
        run_s = time.perf_counter() - started
        started = time.perf_counter()
        page_file = write_run_report(run_dir)
        write_s = time.perf_counter() - started
        agent = "neutrals-01" if args.agents >= 20 else "neutrals-1"
        samples = [measure_page(page_file, agent) for _ in range(args.repeats)]
        medians = {k: statistics.median(s[k] for s in samples) for k in samples[0]}
        print(
            json.dumps(
                {
                    "mind": mind,
                    "agents": args.agents,
                    "rounds": args.rounds,
                    "run_dir": str(run_dir),
                    "run_s (0 if reused)": round(run_s, 1),
                    "events_mb": round((run_dir / "events.jsonl").stat().st_size / 1e6, 1),
                    "report_write_s": round(write_s, 2),
                    "report_mb": round(page_file.stat().st_size / 1e6, 2),
                    "repeats": args.repeats,
                    **{k: round(v, 3) for k, v in medians.items()},
                    "samples": [{k: round(v, 3) for k, v in s.items()} for s in samples],
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
