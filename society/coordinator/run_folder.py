"""A run's folder and id: the id names the scenario, its seed and a digest of the resolved
scenario; the folder is never an earlier run's."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml

from society.scenario.base import ScenarioBase

SCENARIO_FILE = "scenario.yaml"


def scenario_digest(scenario: ScenarioBase) -> str:
    canonical = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def run_id_for(scenario: ScenarioBase) -> str:
    return f"{scenario.name}-s{scenario.seed}-{scenario_digest(scenario)[:8]}"


def new_run_dir(out: Path, run_id: str) -> Path:
    """`out/run_id`, or `out/run_id-2`, `-3`... if taken: an earlier run is never overwritten."""
    out.mkdir(parents=True, exist_ok=True)
    candidate, n = out / run_id, 1
    while True:
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            n += 1
            candidate = out / f"{run_id}-{n}"


def write_resolved_scenario(run_dir: Path, resolved: dict[str, Any]) -> None:
    """The scenario as run (every default filled in), for `society resume` and for humans."""
    (run_dir / SCENARIO_FILE).write_text(
        yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
