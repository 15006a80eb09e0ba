"""The report names its sustainable-harvest line by regrowth kind: on a logistic commons it
is the maximum sustainable yield, one constant; under GovSim's doubling it is f(t)."""

from __future__ import annotations

from conftest import SCENARIOS

from society.games.commons.report_data import sustainable_label
from society.scenario import load_scenario


def test_logistic_commons_line_is_the_msy() -> None:
    label = sustainable_label(load_scenario(SCENARIOS / "demo.yaml"))
    assert label == {"long": "maximum sustainable yield (r·K/4)", "short": "MSY"}


def test_doubling_commons_line_is_f_of_t() -> None:
    label = sustainable_label(load_scenario(SCENARIOS / "govsim/fishery.yaml"))
    assert label["short"] == "f(t)" and "R·(1 − 1/factor)" in label["long"]
