"""Experiment plots: every title (the figure's and each panel's) and the legend lie inside
the figure, in the narrowest figure (one panel) and in a wide one with long level names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from matplotlib.text import Text

from society.experiments import plots
from society.experiments.data import ExperimentData


def experiment_data(factors: list[str], levels: list[dict[str, str]]) -> ExperimentData:
    runs, rounds = [], []
    for index, level in enumerate(levels):
        cell = "-".join(level.values()) or f"cell{index}"
        for seed in range(2):
            runs.append(
                {
                    **level,
                    "cell": cell,
                    "seed": seed,
                    "survival_time": 3 + seed,
                    "survived": 0.0,
                    "rounds_limit": 5,
                    "sanctions": index + seed,
                }
            )
            for number in range(1, 4 + seed):
                rounds.append(
                    {
                        **level,
                        "cell": cell,
                        "seed": seed,
                        "round": number,
                        "stock_start": 100.0 - 10 * number,
                        "harvest_vs_sustainable": 0.8 + 0.1 * number,
                        "norm_limit": 5.0,
                        "norm_similarity": 0.5,
                    }
                )
    return ExperimentData(factors=factors, runs=runs, rounds=rounds)


def check_inside(fig: Any) -> list[str]:
    """Texts and legends whose drawn box leaves the figure (after the layout ran)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    outside = []
    titles = [fig.get_suptitle(), *(ax.get_title() for ax in fig.axes if ax.get_visible())]
    artists = [t for t in fig.findobj(Text) if t.get_text() and t.get_text() in titles]
    artists += list(fig.legends)
    assert any(isinstance(a, Text) and a.get_text() == fig.get_suptitle() for a in artists)
    for artist in artists:
        extent = artist.get_window_extent(renderer)
        if (
            extent.x0 < box.x0 - 0.5
            or extent.x1 > box.x1 + 0.5
            or extent.y0 < box.y0 - 0.5
            or extent.y1 > box.y1 + 0.5
        ):
            label = artist.get_text() if isinstance(artist, Text) else "legend"
            outside.append(f"{label!r}: {extent} not in {box}")
    return outside


@pytest.mark.parametrize(
    ("factors", "levels"),
    [
        ([], [{}]),  # one cell, one panel: the narrowest figure
        (
            ["persona"],
            [{"persona": "altruistic"}, {"persona": "selfish"}],
        ),
        (  # one panel, three long line labels (the donor variants): the legend wraps
            ["variant"],
            [
                {"variant": "none"},
                {"variant": "costly_punishment"},
                {"variant": "partner_choice"},
            ],
        ),
        (
            ["resource", "ablation"],
            [
                {"resource": r, "ablation": a}
                for r in ("rich", "scarce")
                for a in ("full", "social_learning_only", "voting_only", "neither")
            ],
        ),
    ],
)
def test_titles_and_legends_lie_inside_every_figure(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    factors: list[str],
    levels: list[dict[str, str]],
) -> None:
    save = plots._save
    problems: dict[str, list[str]] = {}

    def checked_save(fig: Any, plt: Any, folder: Path, stem: str) -> list[Path]:
        paths = save(fig, plt, folder, stem)  # saving draws with the final layout
        problems[stem] = check_inside(fig)
        return paths

    monkeypatch.setattr(plots, "_save", checked_save)
    monkeypatch.setattr(plots._pyplot(), "close", lambda fig: None)  # keep them to measure
    drawn = plots.all_plots(experiment_data(factors, levels), tmp_path)
    assert set(problems) >= {"stock", "survival", "harvest_vs_sustainable", "punishment"}
    assert all(path.stat().st_size > 0 for path in plots.plot_list(drawn))
    assert problems == {stem: [] for stem in problems}


def test_the_check_sees_a_title_that_is_cut_off() -> None:
    plt = plots._pyplot()
    fig = plt.figure(figsize=(4.2, 3.4))
    fig.suptitle("Stock at the start of each round (mean, 95% band; runs still going) " * 2)
    assert check_inside(fig)
    plt.close(fig)
