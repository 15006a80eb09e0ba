"""summary.md says why there is no two-way ANOVA, and with one factor gives a one-way one."""

from __future__ import annotations

from scipy.stats import f_oneway

from society.experiments.summary import no_anova_section


def runs(values: dict[str, list[float]]) -> list[dict[str, object]]:
    return [
        {"persona": level, "survival_time": v, "gain_total": 10 * v}
        for level, vs in values.items()
        for v in vs
    ]


def test_one_factor_gets_a_one_way_anova_and_the_reason() -> None:
    values = {"altruistic": [30.0, 28.0, 29.0], "selfish": [12.0, 15.0, 11.0]}
    text = "\n".join(no_anova_section(["persona"], runs(values)))
    assert "The two-way ANOVA needs two factors; this experiment has one (`persona`)" in text
    expected = f_oneway(*values.values())
    assert f"| survival_time | 2 | 6 | {expected.statistic:.2f} |" in text
    assert "| gain_total | 2 | 6 |" in text


def test_no_factor_says_there_is_nothing_to_compare() -> None:
    text = "\n".join(no_anova_section([], runs({"x": [1.0, 2.0]})))
    assert "needs two factors; this experiment has none (one cell)" in text


def test_a_one_way_anova_that_cannot_be_computed_says_why() -> None:
    text = "\n".join(no_anova_section(["persona"], runs({"a": [5.0, 5.0], "b": [5.0, 5.0]})))
    assert "| survival_time | 2 | 4 | – | – (no variance within levels) |" in text
    text = "\n".join(no_anova_section(["persona"], runs({"a": [5.0], "b": [6.0]})))
    assert "(one run per level: no residual variance)" in text


def test_no_finished_run() -> None:
    assert "No ANOVA: no run finished." in no_anova_section(["persona"], [])
