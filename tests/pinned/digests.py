"""What the pinned-digest test runs: every shipped scenario with rule agents (seed 1, 20
rounds) and recorded LLM runs replayed. `python tests/pinned/digests.py --record` records the
LLM stores and prints the digests as JSON; the test compares against `digests.json`.

A changed digest is a bug unless an issue asks for the behaviour change; then the commit that
updates `digests.json` names each changed digest and why."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SCENARIOS = ROOT / "scenarios"
STORES = HERE / "stores"

# Recorded LLM runs: scripted replies through the real prompts, every institution on, memory on.
LLM_RUNS: dict[str, tuple[str, dict[str, Any]]] = {
    "llm:demo-every-institution": (
        "demo.yaml",
        {
            "rounds": 3,
            "seed": 1,
            "model": {"name": "scripted:pinned"},
            "institutions": {
                "monitoring": {"enabled": True},
                "gossip": {"enabled": True},
                "sanctions": {"enabled": True},
                "voting": {"enabled": True},
                "social_learning": {"enabled": True},
            },
        },
    ),
    "llm:govsim-fishery": (
        "govsim/fishery.yaml",
        {"rounds": 2, "seed": 1, "model": {"name": "scripted:pinned"}},
    ),
    "llm:govsim-fishery-elected-leader": (
        "govsim/fishery-elected-leader.yaml",
        {"rounds": 3, "seed": 1, "model": {"name": "scripted:pinned"}},
    ),
}


def shipped() -> list[Path]:
    return sorted(
        p
        for p in SCENARIOS.rglob("*.yaml")
        if p.relative_to(SCENARIOS).parts[0] != "experiments" and not p.name.startswith("_")
    )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def digest_of(run_dir: Path) -> dict[str, str]:
    return {
        "folder": run_dir.name,
        "events": sha256(run_dir / "events.jsonl"),
        "metrics": sha256(run_dir / "metrics.json"),
        "scenario": sha256(run_dir / "scenario.yaml"),
    }


# Rule runs are shortened: 20 rounds; the donor game's rounds follow from its generations.
SHORT_RUNS: dict[str, dict[str, Any]] = {
    "donor/": {"seed": 1, "donor": {"generations": 2}},
    "public_goods/": {"seed": 1},  # as shipped: 10 or 15 rounds
}


def rule_run(relative: str, out: Path) -> dict[str, str]:
    from society.coordinator.runner import run_society_sync
    from society.scenario import load_scenario

    short = next((o for prefix, o in SHORT_RUNS.items() if relative.startswith(prefix)), None)
    scenario = load_scenario(SCENARIOS / relative, short or {"rounds": 20, "seed": 1})
    return digest_of(run_society_sync(scenario, out).run_dir)


def scripted_reply(request: Any) -> str:
    """Deterministic replies for every prompt id the shipped prompts use."""
    from society.testing import amount_reply, effort_reply, governance_reply

    agent_number = int("".join(ch for ch in request.agent if ch.isdigit()) or 0)
    found = governance_reply(request)
    if found is not None:
        return found
    if request.prompt_id == "harvest_effort":
        return effort_reply(0.05 + 0.05 * (agent_number % 4))
    if request.prompt_id == "harvest_amount":
        return amount_reply(5 + agent_number % 7)
    if request.prompt_id == "respond":
        return json.dumps(
            {
                "messages": [{"to": "all", "text": f"round {request.round}: I kept it low."}],
                "punish": [],
                "rationale": "talk",
            }
        )
    if request.prompt_id == "town_hall_speak":
        return json.dumps(
            {"text": "Let us take ten each.", "proposed_limit": 10, "next_speaker": None}
        )
    if request.prompt_id == "town_hall_summary":
        return json.dumps({"summary": "We agreed on ten each.", "agreed_limit": 10})
    if request.prompt_id == "reflect":
        return json.dumps({"insight": f"Round {request.round}: the stock matters.", "importance": 6})
    if request.prompt_id == "election_statement":
        return json.dumps({"statement": f"{request.agent}: ten each.", "rationale": "stand"})
    if request.prompt_id == "election_vote":
        return json.dumps({"candidate": "fishers-2", "rationale": "steady"})
    if request.prompt_id == "set_limit":
        return json.dumps({"limit": 8, "announcement": "Eight each.", "rationale": "careful"})
    raise KeyError(f"no scripted reply for prompt {request.prompt_id!r}")


def llm_run(name: str, out: Path, *, record: bool) -> dict[str, str]:
    from society.backends.stack import BackendOptions
    from society.coordinator.runner import run_society
    from society.scenario import load_scenario
    from society.testing import ScriptedChatModel

    relative, overrides = LLM_RUNS[name]
    scenario = load_scenario(SCENARIOS / relative, overrides)
    store = STORES / name.split(":", 1)[1]
    if record:
        fake = ScriptedChatModel(responder=scripted_reply)
        options = BackendOptions(record=store)
        factory = lambda spec: fake  # noqa: E731
    else:
        options = BackendOptions(replay=store)

        def factory(spec: Any) -> Any:
            raise AssertionError("a replayed run must not build a chat model")

    result = asyncio.run(
        run_society(scenario, out, chat_model_factory=factory, backends=options, backoff_s=0)
    )
    return digest_of(result.run_dir)


def all_digests(*, record: bool = False) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for path in shipped():
            relative = path.relative_to(SCENARIOS).as_posix()
            found[relative] = rule_run(relative, Path(tmp) / relative.replace("/", "_"))
        for name in LLM_RUNS:
            found[name] = llm_run(name, Path(tmp) / name.replace(":", "_"), record=record)
    return found




def make_stopped_runs() -> None:
    """Runs stopped at a round boundary by this version, kept under `stopped/`: the resume test
    proves that `society resume` of a run started before a restructuring still ends the same."""
    import shutil

    from society.coordinator.runner import run_society_sync
    from society.coordinator.session import RunControl
    from society.scenario import load_scenario

    target = HERE / "stopped"
    shutil.rmtree(target, ignore_errors=True)
    for relative in STOPPED:
        control = RunControl()

        def stop_after(number: int, stock: float, control: RunControl = control) -> None:
            if number == STOP_AFTER:
                control.request_stop()

        scenario = load_scenario(SCENARIOS / relative, {"rounds": 20, "seed": 1})
        run_society_sync(scenario, target, control=control, on_round_finished=stop_after)


STOPPED = ("demo.yaml", "govsim/fishery.yaml")
STOP_AFTER = 8


if __name__ == "__main__":
    if "--stopped" in sys.argv:
        make_stopped_runs()
    print(json.dumps(all_digests(record="--record" in sys.argv), indent=2, sort_keys=True))
