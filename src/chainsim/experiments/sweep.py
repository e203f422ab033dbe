"""Run a sweep: design points × replications, on local processes or a Dask cluster, streamed to disk.

Every (point, replication) uses the replication's own streams, so replication r of every point
sees the same random numbers (common random numbers) and a run's numbers do not depend on where or
in what order it ran. Work is cut into tasks of a few replications of one point; each finished
task is written at once as its own part file (written whole, then renamed), so an interrupted
sweep loses nothing that finished and ``resume`` skips exactly the finished tasks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

from chainsim.errors import ChainsimError

_SCENARIOS: list | None = None  # per worker process: the point scenarios, sent once


class WorkerDied(ChainsimError):
    """A worker process (local or Dask) died mid-sweep; every task that finished is saved."""


@dataclass(frozen=True)
class Task:
    point: int
    first: int  # replications first .. last - 1
    last: int

    @property
    def name(self) -> str:
        return f"point-{self.point:05d}-reps-{self.first:05d}-{self.last:05d}"


def plan_tasks(points: int, replications: int) -> list[Task]:
    """Tasks of consecutive replications of one point, about 32 in all (fewer replications per
    task would drown short runs in overhead, more would balance long sweeps badly). The plan
    depends on the sweep only, never on the workers, so a resumed sweep finds its tasks."""
    total = points * replications
    per_task = max(1, min(replications, math.ceil(total / 32)))
    return [Task(p, r, min(r + per_task, replications))
            for p in range(points) for r in range(0, replications, per_task)]


PARENT_POLL_SECONDS = 0.2  # how often a pool worker looks whether the sweep is still there


def _init(scenarios) -> None:
    global _SCENARIOS
    _SCENARIOS = scenarios
    _exit_with_parent()


def _exit_with_parent() -> None:
    """Make this pool worker exit as soon as the process that started it is gone (a sweep killed
    with SIGKILL cannot stop its workers itself): a daemon thread sees the parent process
    change (the worker is handed to another parent, e.g. init) and ends the worker at once. A
    thread, not ``prctl(PR_SET_PDEATHSIG)``: portable, and immune to that signal's firing when
    merely the parent's *thread* that started the worker ends."""
    import os
    import threading
    import time

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)  # no clean-up to do: the task's rows die with the sweep that wanted them

    threading.Thread(target=watch, name="chainsim-exit-with-parent", daemon=True).start()


def run_task(task: Task, scenarios=None) -> list[tuple]:
    """KPI rows (point, replication, node, metric, value) of one task."""
    from chainsim.engine.run import Simulation
    from chainsim.experiments.replicate import kpi_rows

    scn = (scenarios if scenarios is not None else _SCENARIOS)[task.point]
    rows = []
    for rep in range(task.first, task.last):
        for _, replication, node, metric, value in kpi_rows(Simulation(scn, rep).run()):
            rows.append((task.point, replication, node, metric, value))
    return rows


def execute(scenarios: Sequence, tasks: Sequence[Task], *, workers: int = 1,
            scheduler: str | None = None,
            done: Callable[[Task, list[tuple]], None]) -> None:
    """Run the tasks and hand each finished one to ``done`` (in completion order)."""
    if not tasks:
        return
    if scheduler:
        _execute_dask(scenarios, tasks, scheduler, done)
    elif workers <= 1:
        for task in tasks:
            done(task, run_task(task, scenarios))
    else:
        from concurrent.futures.process import BrokenProcessPool

        with ProcessPoolExecutor(max_workers=workers, initializer=_init,
                                 initargs=(list(scenarios),)) as pool:
            futures = {pool.submit(run_task, task): task for task in tasks}
            _hand_over(as_completed(futures), futures, done, BrokenProcessPool)


def _hand_over(completed, futures: dict, done, lost: type[BaseException]) -> None:
    """Hand each task to ``done`` as it finishes. A task failing with ``lost`` (its worker died)
    does not stop the others: every task that still finishes is handed over (and saved) before
    ``WorkerDied`` is raised."""
    died = None
    for future in completed:
        try:
            rows = future.result()
        except lost as exc:
            died = died or exc
            continue
        done(futures[future], rows)
    if died is not None:
        raise WorkerDied(f"a worker process died ({str(died).rstrip('.') or type(died).__name__}); "
                         "finished tasks are saved — rerun with --resume")


def _execute_dask(scenarios, tasks, address, done) -> None:
    """The same tasks on a Dask cluster; the scenarios are sent to the workers once."""
    try:
        from dask.distributed import Client, KilledWorker
        from dask.distributed import as_completed as dask_completed
    except ImportError:  # pragma: no cover - depends on the optional extra
        raise RuntimeError("--scheduler needs the cluster extra: pip install 'chainsim[cluster]'"
                           ) from None
    with Client(address) as client:
        shared = client.scatter(list(scenarios), broadcast=True)
        futures = {client.submit(run_task, task, shared, pure=False): task for task in tasks}
        try:
            # a worker that dies is replaced and its tasks rerun elsewhere; KilledWorker only
            # when a task has taken down several workers (distributed.scheduler.allowed-failures)
            _hand_over(dask_completed(futures), futures, done, KilledWorker)
        except BaseException:  # interrupted (Ctrl-C) or failed: leave no task on the cluster
            client.cancel(list(futures), force=True)
            raise


def summarize_points(kpis, parameters: Sequence[str]):
    """Per point, node and metric: mean, std, 95% t-interval and n over replications."""
    from chainsim.metrics.summary import mean_ci

    keys = [*parameters, "point", "node", "metric"]
    return mean_ci(kpis, keys)[[*keys, "mean", "std", "ci_low", "ci_high", "n"]]


def _run_tasks(store, scenarios, tasks, workers, scheduler, progress) -> None:
    """Run the tasks not finished yet, saving each as it finishes."""
    finished_before = store.finished()
    todo = [t for t in tasks if t.name not in finished_before]
    finished = len(tasks) - len(todo)
    if progress:
        progress(finished, len(tasks))

    def done(task, rows):
        nonlocal finished
        store.save_part(task.name, rows)
        finished += 1
        if progress:
            progress(finished, len(tasks))

    execute(scenarios, todo, workers=workers, scheduler=scheduler, done=done)


def _run_to_precision(store, sweep, precision, workers, scheduler, progress) -> None:
    """Batches of ``sweep.replications`` replications per point until the metric's 95% CI
    half-width is reached at every point or ``max_replications`` is. The batches are fixed by
    the sweep alone, so a resumed or re-run sweep makes the same decisions."""
    batch = max(2, sweep.replications)
    reps = [0] * len(sweep.points)
    wanted = list(range(len(sweep.points)))
    while wanted:
        tasks = []
        for p in wanted:
            last = min(reps[p] + batch, precision.max_replications)
            tasks.append(Task(p, reps[p], last))
            reps[p] = last
        _run_tasks(store, sweep.scenarios, tasks, workers, scheduler, progress)
        summary = summarize_points(store.table(sweep.points, []), [])
        rows = summary[(summary["metric"] == precision.metric)
                       & (summary["node"] == precision.node)].set_index("point")
        wanted = [p for p in wanted if reps[p] < precision.max_replications
                  and (p not in rows.index
                       or not (rows.loc[p, "ci_high"] - rows.loc[p, "ci_low"]) / 2
                       <= precision.half_width)]


def run_sweep(sweep, out_dir, *, workers: int = 1, scheduler: str | None = None,
              resume: bool = False, version: str = "",
              progress: Callable[[int, int], None] | None = None, figures: bool = True):
    """Run (or finish) a sweep into ``out_dir``; returns (kpis, summary) DataFrames.
    ``figures=False`` leaves out figures/ (``chainsim rerun`` compares the tables only)."""
    from chainsim.experiments.store import SweepStore
    from chainsim.results.manifest import manifest as versions

    store = SweepStore(out_dir)
    precision = getattr(sweep, "precision", None)
    manifest = {"kind": "sweep", "file": str(sweep.file), "base": str(sweep.base_path),
                "design": sweep.design, "parameters": list(sweep.parameters),
                "points": sweep.points, "replications": sweep.replications,
                "seed": sweep.scenarios[0].seed, "metrics": sweep.metrics,
                "precision": None if precision is None else (
                    precision.model_dump() if hasattr(precision, "model_dump")
                    else dict(vars(precision))),
                **{k: v for k, v in versions("sweep", version).items() if k != "options"}}
    store.start(manifest, resume)
    if not resume or not (store.folder / "base.resolved.yaml").exists():
        from chainsim.results.write import resolved_yaml

        store.save_text("base.resolved.yaml", resolved_yaml(sweep.scenarios[0], version,
                                                         targets=True))
    if precision is None:
        tasks = plan_tasks(len(sweep.points), sweep.replications)
        _run_tasks(store, sweep.scenarios, tasks, workers, scheduler, progress)
    else:
        _run_to_precision(store, sweep, precision, workers, scheduler, progress)
    kpis = store.table(sweep.points, list(sweep.parameters))
    if sweep.metrics:
        kpis = kpis[kpis["metric"].isin(sweep.metrics)].reset_index(drop=True)
    summary = summarize_points(kpis, list(sweep.parameters))
    store.write_tables(kpis, summary)
    if figures:
        store.write_figures(summary, list(sweep.parameters), sweep.metrics)
    return kpis, summary
