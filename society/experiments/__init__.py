"""Experiments: a grid of scenario overrides × seeds, run locally or on Ray, then analysed
into tables, a two-way ANOVA, plots and a Markdown summary (`society experiment FILE`)."""

from society.experiments.executors import (
    Executor,
    ExecutorError,
    LocalExecutor,
    RayExecutor,
    make_executor,
)
from society.experiments.jobs import Job, JobOutcome, run_job
from society.experiments.runner import ExperimentRun, plan_jobs, run_experiment
from society.experiments.spec import Cell, Experiment, load_experiment

__all__ = [
    "Cell",
    "Executor",
    "ExecutorError",
    "Experiment",
    "ExperimentRun",
    "Job",
    "JobOutcome",
    "LocalExecutor",
    "RayExecutor",
    "load_experiment",
    "make_executor",
    "plan_jobs",
    "run_experiment",
    "run_job",
]
