"""`society report`: one self-contained HTML file for a run or a folder of runs."""

from society.report.experiment import find_runs, write_experiment_report
from society.report.extract import RunData, load_run
from society.report.page import write_run_report

__all__ = [
    "RunData",
    "find_runs",
    "load_run",
    "write_experiment_report",
    "write_run_report",
]
