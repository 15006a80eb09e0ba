"""Event serialisation: what `TranscriptWriter.write` pays per event to turn it into JSON.

Plays two short runs (the demo with rule agents, and a recorded LLM run replayed from
`tests/pinned/stores`, every institution on), reads their events back, and times
`model_dump_json` over all of them, llm_call events apart. Median of --repeats, microseconds
per event. Run it on two commits to see what a change to the events costs.

    .venv/bin/python bench/events.py
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, this folder would come first on sys.path and bench/memory.py would shadow
# the `memory` package: drop it before importing the project.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent / "tests" / "pinned"))

import digests  # noqa: E402

from society.transcript.events import Event  # noqa: E402
from society.transcript.reader import read_events  # noqa: E402


def sample_events(folder: Path) -> list[Event]:
    from society.coordinator.runner import run_society_sync
    from society.scenario import load_scenario

    scenario = load_scenario(digests.SCENARIOS / "demo.yaml", {"rounds": 20, "seed": 1})
    rules = run_society_sync(scenario, folder / "rules").run_dir
    llm = digests.llm_run("llm:demo-every-institution", folder / "llm", record=False)
    return [*read_events(rules), *read_events(folder / "llm" / llm["folder"])]


def per_event_us(events: list[Event], repeats: int, loops: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(loops):
            for event in events:
                event.model_dump_json()
        times.append((time.perf_counter() - start) / (loops * len(events)))
    return 1e6 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--loops", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        events = sample_events(Path(tmp))
    calls = [e for e in events if e.kind == "llm_call"]
    others = [e for e in events if e.kind != "llm_call"]
    print(f"{len(events)} events ({len(calls)} llm_call)")
    for label, group in (("all", events), ("llm_call", calls), ("other kinds", others)):
        print(f"{label:12s} {per_event_us(group, args.repeats, args.loops):8.2f} µs/event")


if __name__ == "__main__":
    main()
