"""Where an experiment's runs execute: local processes (default) or a Ray cluster.

An executor takes a job runner and jobs and yields outcomes as runs finish, in any order; the
experiment runner never depends on that order (each run's events are its own, and tables sort
by cell and seed).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Protocol

from society.experiments.jobs import Job, JobOutcome, JobRunner


class ExecutorError(Exception):
    """An executor cannot start (e.g. Ray is not installed or the cluster is unreachable)."""


class Executor(Protocol):
    label: str

    def run(self, runner: JobRunner, jobs: Iterable[Job]) -> Iterator[JobOutcome]: ...


def _crashed(job: Job, error: BaseException) -> JobOutcome:
    # The job runner never raises, so this is the worker itself dying (killed, out of memory).
    return JobOutcome(job, False, error=f"worker failed: {type(error).__name__}: {error}")


@dataclass
class LocalExecutor:
    """Parallel local processes; `workers` at a time. Processes, not threads: a run is CPU
    bound Python, and a crash in one cannot take the experiment down."""

    workers: int = 2

    @property
    def label(self) -> str:
        return f"local ({self.workers} worker process{'es' if self.workers != 1 else ''})"

    def run(self, runner: JobRunner, jobs: Iterable[Job]) -> Iterator[JobOutcome]:
        pending = list(jobs)
        if not pending:
            return
        # fork keeps start-up cheap on Linux (no re-import of LangGraph per worker).
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        context = multiprocessing.get_context(method)
        with ProcessPoolExecutor(max_workers=self.workers, mp_context=context) as pool:
            futures: dict[Future[JobOutcome], Job] = {pool.submit(runner, j): j for j in pending}
            while futures:
                done, _ = wait(futures, return_when=FIRST_COMPLETED)
                for future in done:
                    job = futures.pop(future)
                    try:
                        yield future.result()
                    except Exception as error:
                        yield _crashed(job, error)


@dataclass
class RayExecutor:
    """Ray tasks, one CPU each. `address` None starts Ray locally on this machine (with
    `workers` CPUs); otherwise `ray.init(address)` joins a cluster, whose workers must see the
    output folder (a shared filesystem) and have society installed."""

    workers: int = 2
    address: str | None = None

    @property
    def label(self) -> str:
        return f"ray ({self.address or f'local, {self.workers} CPUs'})"

    def run(self, runner: JobRunner, jobs: Iterable[Job]) -> Iterator[JobOutcome]:
        try:
            import ray
        except ImportError:
            raise ExecutorError(
                "--executor ray needs Ray: pip install -e '.[ray]' (or pip install 'ray>=2.9')"
            ) from None
        pending = list(jobs)
        if not pending:
            return
        started_here = not ray.is_initialized()
        if started_here:
            init: dict[str, Any] = {"log_to_driver": False, "include_dashboard": False}
            if self.address is None:
                init["num_cpus"] = self.workers
            else:
                init["address"] = self.address
            try:
                ray.init(**init)
            except Exception as error:
                raise ExecutorError(f"cannot start Ray: {error}") from None
        try:
            task = ray.remote(num_cpus=1, max_retries=0)(_call)
            shared = ray.put(runner)  # serialised once, not once per task
            refs = {task.remote(shared, job): job for job in pending}
            while refs:
                done, _ = ray.wait(list(refs), num_returns=1)
                for ref in done:
                    job = refs.pop(ref)
                    try:
                        yield ray.get(ref)
                    except Exception as error:
                        yield _crashed(job, error)
        finally:
            if started_here:
                ray.shutdown()


def _call(runner: JobRunner, job: Job) -> JobOutcome:
    """A plain function for Ray to wrap (it refuses partials and other callables)."""
    return runner(job)


def make_executor(kind: str, workers: int, address: str | None = None) -> Executor:
    if kind == "local":
        if address is not None:
            raise ExecutorError("--ray-address goes with --executor ray")
        return LocalExecutor(workers)
    if kind == "ray":
        return RayExecutor(workers, address)
    raise ExecutorError(f"unknown executor {kind!r}; expected 'local' or 'ray'")
