"""The donor game's experiment plots: per generation, mean and 95% band per cell, of the mean
final resources (V&H's figure of cooperation across generations), the share donated, and the
punishment and refusal rates where the variant has them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from society.experiments.plots import line_plot


def generation_plots(data: Any, folder: Path) -> dict[str, list[Path]]:
    if not data.runs or not data.rounds:
        return {}
    plots = {
        "resources": line_plot(
            data,
            lambda r: r["mean_final_resources"],
            "Mean final resources per generation (mean, 95% band)",
            "resources",
            folder,
            "resources",
            x="generation",
        ),
        "donated": line_plot(
            data,
            lambda r: r["donation_fraction"],
            "Share of resources donated per generation (mean, 95% band)",
            "share donated",
            folder,
            "donated",
            x="generation",
        ),
    }
    for column, title in (
        ("punishment_rate", "Punishment per interaction, per generation"),
        ("refusal_rate", "Refusals per interaction, per generation"),
    ):
        if any(r[column] for r in data.rounds):
            plots[column] = line_plot(
                data, lambda r, c=column: r[c], title, column.replace("_", " "), folder, column,
                x="generation",
            )  # fmt: skip
    return plots
