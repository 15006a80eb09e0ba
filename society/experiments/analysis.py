"""Analyse an experiment's finished runs: tables, ANOVA, exports and plots under OUT/results/.

results/runs.csv|parquet     one row per run (factor levels, seed, every metric)
results/rounds.csv|parquet   one row per run and round (stock, harvest, norm, sanctions...)
results/cells.csv            mean and 95% CI per cell
results/models.csv           GovSim-style comparison per model
results/anova.csv            two-way ANOVA tables
results/pairs.csv            pairwise games: one row per run and (label, opponent)
results/plots/*.png|svg
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from society.analysis.pairwise import PairwiseTable, experiment_tables
from society.experiments.anova import AnovaTable, anova_rows, grid_anovas
from society.experiments.data import ExperimentData, collect, write_table
from society.experiments.jobs import Job
from society.experiments.spec import Experiment
from society.experiments.tables import (
    Columns,
    GroupSummary,
    cell_table,
    model_table,
    table_rows,
)

RESULTS_DIR = "results"


@dataclass(frozen=True)
class Analysis:
    data: ExperimentData
    cells: list[GroupSummary]
    models: list[GroupSummary]
    anovas: list[AnovaTable]
    plots: dict[str, list[Path]]
    files: list[Path]
    # The game's table columns (society.core.game.Game.experiment_columns and its kin).
    columns: Columns = ()
    model_columns: Columns = ()
    printed: Columns = ()
    responses: tuple[str, ...] = ()
    # Round-robin tables of a pairwise game (society.analysis.pairwise), per cell.
    pair_tables: tuple[PairwiseTable, ...] = ()


def analyse(experiment: Experiment, jobs: list[Job], out: Path, plots: bool = True) -> Analysis:
    data = collect(jobs, experiment.factors)
    results = out / RESULTS_DIR
    game = experiment.game
    columns, model_columns = game.experiment_columns(), game.experiment_model_columns()
    cells = cell_table(data.runs, experiment.factors, columns)
    models = model_table(data.runs, model_columns)
    spec = experiment.anova()
    anovas = (
        grid_anovas(data.runs, experiment.factors, spec.factors, spec.responses)
        if spec is not None and data.runs
        else []
    )
    files = write_table(data.runs, results / "runs")
    files += write_table(data.rounds, results / "rounds")
    files += write_table(table_rows(cells, columns), results / "cells", parquet=False)
    files += write_table(table_rows(models, model_columns), results / "models", parquet=False)
    if anovas:
        files += write_table(anova_rows(anovas), results / "anova", parquet=False)
    pair_tables: list[PairwiseTable] = []
    if data.pairs:
        files += write_table(data.pairs, results / "pairs", parquet=False)
        cells_in_order = [c.key for c in cells]
        pair_tables = experiment_tables(data.pairs, cells_in_order, game.experiment_pair_columns())
    drawn = game.experiment_plots(data, results / "plots") if plots else {}
    return Analysis(
        data,
        cells,
        models,
        anovas,
        drawn,
        files,
        columns,
        model_columns,
        game.experiment_printed(),
        game.experiment_responses(),
        tuple(pair_tables),
    )
