"""The ``chainsim`` command: arguments, progress, exit codes. No domain logic lives here.

Exit codes: 0 success, 2 bad input (a message per problem, nothing written), 1 other failure.
Heavy modules are imported inside the commands so that ``chainsim --help`` answers at once.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from chainsim.report.words import count  # tiny: no heavy imports at start-up

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="chainsim: discrete-event supply chain simulation on SimPy.",
    pretty_exceptions_enable=False,
)
# What the user wrote (names, ids, paths, messages quoting them) is printed as written: no
# emoji codes (``:x:`` stays ``:x:``), no highlighting, and chainsim's own markup (tables,
# titles) escapes every user string with rich.markup.escape; plain messages go through `say`.
out = Console(emoji=False, highlight=False)
err = Console(stderr=True, emoji=False, highlight=False)

BAD_INPUT = 2
FAILURE = 1


def _show_version(value: bool) -> None:
    if value:
        from chainsim import __version__

        out.print(f"chainsim {__version__}", markup=False, highlight=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_show_version, help="print chainsim's version and exit")] = False,
) -> None:
    """chainsim: discrete-event supply chain simulation on SimPy."""


def say(line: str, to: Console = err) -> None:
    """Print ``line`` literally (no markup), wrapped only by the terminal."""
    to.print(line, markup=False, highlight=False, soft_wrap=True)


def _check_out(target: Path, kind: str, inputs, **how) -> None:
    """Exit 2 unless a ``kind`` folder may be written at ``target`` (results.claim)."""
    from chainsim.results.claim import OutputError, check_output

    try:
        check_output(target, kind, inputs, **how)
    except OutputError as exc:
        say(str(exc))
        raise typer.Exit(BAD_INPUT) from None


def _fail_input(exc) -> None:
    for problem in exc.problems:
        err.print(str(problem), markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(BAD_INPUT)


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="scenario YAML files")],
    allow_large: Annotated[bool, typer.Option("--allow-large", help="accept scenarios beyond the size limits (days, replications, nodes, lanes)")] = False,
    outside_paths: Annotated[bool, typer.Option("--allow-outside-paths", help="let files named by extends:/csv: lie outside the folder of the file given")] = False,
) -> None:
    """Check scenario files: say OK, or print each problem as FILE:LINE:COL: message (a
    scenario over the size limits is a problem unless --allow-large)."""
    from chainsim.errors import ScenarioError
    from chainsim.scenario.load import (
        check_base,
        file_kind,
        is_base_file,
        load_raw,
        parse_scenario,
    )
    from chainsim.scenario.yamlread import read_yaml

    bad = False
    for f in files:
        try:
            data = read_yaml(f)
            kind = file_kind(data)
            if kind in ("study", "optimisation"):
                say(_check_other_kind(kind, f, outside_paths), to=out)
                continue
            raw = load_raw(f, allow_outside_paths=outside_paths, data=data)
            if is_base_file(raw):
                check_base(raw, str(f))
                out.print(f"{f}: OK (a base file for extends:, no nodes of its own)",
                          markup=False, highlight=False, soft_wrap=True)
                continue
            scn = parse_scenario(raw, str(f))
            if not allow_large:
                from chainsim.scenario.limits import over_limits

                found, _ = over_limits(scn, raw, str(f))
                if found:
                    raise ScenarioError(found)
        except ScenarioError as exc:
            bad = True
            for problem in exc.problems:
                err.print(str(problem), markup=False, highlight=False, soft_wrap=True)
            continue
        out.print(f"{f}: OK ({scn.name}: {count(len(scn.nodes), 'node')}, "
                  f"{count(len(scn.lanes), 'lane')})",
                  markup=False, highlight=False, soft_wrap=True)
        _print_sized(scn)
    if bad:
        raise typer.Exit(BAD_INPUT)


def _check_other_kind(kind: str, f: Path, outside_paths: bool) -> str:
    """Check a study or optimisation file as its command would; the OK line."""
    if kind == "study":
        from chainsim.studies.studyfile import load_study

        study = load_study(f, allow_outside_paths=outside_paths)
        return (f"{f}: OK (study {study.spec.study}: "
                f"{count(len(study.names), 'strategy', 'strategies')}: "
                f"{', '.join(study.names)}); run it with chainsim study {f}")
    from chainsim.experiments.optimizefile import load_optimization

    load_optimization(f)
    return f"{f}: OK (an optimisation file); run it with chainsim optimize {f}"


def _print_sized(scn) -> None:
    """One line per policy sized from a service target (scenario/sizing.py)."""
    from chainsim.scenario.sizing import records

    for record in records(scn):
        out.print(f"  {record.line()}", markup=False, highlight=False, soft_wrap=True)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the scenario file (for editor autocompletion)."""
    import json

    from chainsim.scenario.schema import Scenario

    sys.stdout.write(json.dumps(Scenario.model_json_schema(by_alias=True), indent=2) + "\n")


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="scenario YAML file")],
    replications: Annotated[int | None, typer.Option(min=1, help="replications (default: the file's)")] = None,
    days: Annotated[int | None, typer.Option(min=1, help="simulated days after warm-up")] = None,
    warmup: Annotated[int | None, typer.Option(min=0, help="warm-up days")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="seed of all random streams")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="results folder (default results/<name>/)")] = None,
    timeseries: Annotated[str, typer.Option(help="daily series to write: first | all | none")] = "first",
    metrics: Annotated[str | None, typer.Option(help="comma-separated metrics to show")] = None,
    trace: Annotated[bool, typer.Option("--trace", help="write every consumer order's statuses (trace)")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar or table")] = False,
    plot: Annotated[bool, typer.Option("--plot", help="draw the bullwhip figures into figures/")] = False,
    allow_large: Annotated[bool, typer.Option("--allow-large", help="run beyond the size limits (days, replications, nodes, lanes)")] = False,
    outside_paths: Annotated[bool, typer.Option("--allow-outside-paths", help="let files named by extends:/csv: lie outside the folder of the file given")] = False,
) -> None:
    """Simulate a scenario, print a summary table and write the results folder (with --plot,
    also figures/bullwhip_orders and figures/bullwhip_ratio, PNG and SVG)."""
    from chainsim import __version__
    from chainsim.errors import ScenarioError
    from chainsim.scenario.load import load_scenario

    if timeseries not in ("first", "all", "none"):
        say(f"--timeseries must be first, all or none (got {timeseries!r})")
        raise typer.Exit(BAD_INPUT)
    shown = _metric_names(metrics)
    try:
        scn = load_scenario(file, allow_outside_paths=outside_paths)
    except ScenarioError as exc:
        _fail_input(exc)
    if not allow_large:
        _check_limits(scn, file, replications=replications, days=days, warmup=warmup,
                      timeseries=timeseries)
    from chainsim.engine.run import resolve
    from chainsim.experiments.replicate import simulate
    from chainsim.report.tables import run_metrics, summary_table
    from chainsim.results.atomic import safe_name
    from chainsim.results.write import write_results

    loaded = scn
    scn = resolve(scn, replications=replications, days=days, seed=seed, warmup=warmup)
    ts = {"first": "first", "all": True, "none": False}[timeseries]
    if plot and ts is False:
        ts = "first"  # the picture needs replication 0's series; it is not written
    target = out_dir if out_dir is not None else Path("results") / safe_name(scn.name)
    _check_out(target, "run", [file])
    if not quiet:
        _print_sized(loaded)
    if quiet:
        results = simulate(scn, timeseries=ts, trace=trace)
    else:
        from rich.markup import escape
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        with Progress("[progress.description]{task.description}", BarColumn(),
                      MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                      transient=True) as bar:
            task = bar.add_task(f"{escape(scn.name)}: replications", total=scn.replications)
            results = simulate(scn, timeseries=ts, trace=trace,
                               progress=lambda done: bar.update(task, completed=done))
    if trace and not _has_traced_orders(results):
        results.trace = None  # an empty file would only say the same
    drawn = []
    if plot:
        from chainsim.report.bullwhip import run_figures, write_results_with_figures

        figures = run_figures(results)
        if timeseries == "none":
            results.timeseries = None
        written, drawn = write_results_with_figures(results, figures, target, __version__)
    else:
        written = write_results(results, target, __version__,
                                {"timeseries": timeseries, "trace": trace})
    if not quiet:
        from rich.markup import escape

        title = (f"{escape(scn.name)}: {count(scn.replications, 'replication')} × "
                 f"{count(scn.horizon_days, 'day')} (after {scn.warmup_days} warm-up), seed "
                 f"{scn.seed}; mean ± 95% CI half-width")
        written_metrics = set(results.summary["metric"])
        if absent := [m for m in shown if m not in written_metrics]:
            err.print(f"--metrics: {', '.join(absent)} not written for this scenario "
                      "(see the metric table in the README: where each is written)",
                      markup=False, highlight=False, soft_wrap=True)
        out.print(summary_table(results.summary, title, shown or run_metrics(results.summary),
                                width=out.width))
    out.print(f"results: {target}/ ({', '.join(p.name for p in written)})", markup=False,
              highlight=False, soft_wrap=True)
    if drawn:
        out.print(f"figures: {', '.join(str(p) for p in drawn)}", markup=False,
                  highlight=False, soft_wrap=True)


@app.command()
def compare(
    inputs: Annotated[list[Path], typer.Argument(metavar="FILE_OR_DIR...", help="scenario files, or folders of them")],
    metric: Annotated[str, typer.Option(help="network metric to rank by")] = "channel_profit",
    baseline: Annotated[str | None, typer.Option(help="scenario name to compare against (default: the first)")] = None,
    replications: Annotated[int | None, typer.Option(min=1, help="replications (default: the first scenario's)")] = None,
    days: Annotated[int | None, typer.Option(min=1, help="simulated days after warm-up (default: the first scenario's)")] = None,
    warmup: Annotated[int | None, typer.Option(min=0, help="warm-up days (default: the first scenario's)")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="seed for every scenario (default: the first scenario's)")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="results folder (default results/compare-<folder or file names>/)")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar or table")] = False,
    allow_large: Annotated[bool, typer.Option("--allow-large", help="run beyond the size limits (days, replications, nodes, lanes)")] = False,
    outside_paths: Annotated[bool, typer.Option("--allow-outside-paths", help="let files named by extends:/csv: lie outside the folder of the file given")] = False,
) -> None:
    """Compare scenarios with common random numbers: ranking, paired differences, figures,
    report.html. A folder means its *.yaml files that have nodes: (a shared base is skipped)."""
    from chainsim import __version__
    from chainsim.errors import ScenarioError
    from chainsim.experiments.compare import CompareError, default_folder
    from chainsim.experiments.compare import compare as run_compare
    from chainsim.scenario.limits import LimitError

    out_dir = out_dir if out_dir is not None else default_folder(inputs)
    _check_out(out_dir, "compare", inputs)
    kwargs = dict(metric=metric, baseline=baseline, replications=replications, days=days,
                  warmup=warmup, seed=seed, allow_large=allow_large,
                  allow_outside_paths=outside_paths)
    try:
        cmp = _with_progress(lambda progress: run_compare(inputs, **kwargs, progress=progress),
                             "scenarios × replications", quiet)
    except ScenarioError as exc:
        _fail_input(exc)
    except (CompareError, LimitError) as exc:
        err.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(BAD_INPUT) from None
    from chainsim.report.html import write_comparison

    written = write_comparison(cmp, out_dir, __version__)
    if not quiet:
        from chainsim.report.tables import ranking_table, tradeoff_table

        out.print(ranking_table(cmp.ranking, cmp.metric, cmp.baseline, cmp.settings,
                                width=out.width))
        out.print(tradeoff_table(cmp.summary, list(cmp.ranking["scenario"]),
                                 "Trade-offs (mean ± 95% CI half-width)",
                                 cmp.nodes, width=out.width))
    out.print(f"results: {out_dir}/ ({', '.join(p.name for p in written)}); open "
              f"{out_dir / 'report.html'}", markup=False, highlight=False, soft_wrap=True)


def _with_progress(job, label: str, quiet: bool):
    """``job(progress)`` with a progress bar counting its ``progress(done, total)`` calls."""
    return _with_phases(lambda tick: job(None if tick is None else
                                         (lambda done, total: tick(label, done, total))), quiet)


def _with_phases(job, quiet: bool):
    """``job(tick)`` with one progress bar per phase named in its ``tick(phase, done, total)``
    calls (``tick`` is None when quiet)."""
    if quiet:
        return job(None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                  transient=True) as bar:
        tasks: dict[str, int] = {}

        def tick(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done, total=total)

        return job(tick)


@app.command()
def study(
    file: Annotated[Path, typer.Argument(metavar="STUDY.yaml", help="study file")],
    replications: Annotated[int | None, typer.Option(min=1, help="replications (default: the study's run:)")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="local processes for the sensitivity runs (default: all cores)")] = None,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address for the sensitivity runs")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="results folder (default results/study-<file name>/)")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar or table")] = False,
    allow_large: Annotated[bool, typer.Option("--allow-large", help="run beyond the size limits")] = False,
    outside_paths: Annotated[bool, typer.Option("--allow-outside-paths", help="let files named by the study lie outside its folder")] = False,
) -> None:
    """Run a strategy study: each strategy's network from its template, stocked by the study's
    rule, compared with common random numbers for the deciding firm; tables, report.html."""
    from chainsim import __version__
    from chainsim.errors import ScenarioError
    from chainsim.experiments.compare import CompareError
    from chainsim.scenario.limits import LimitError
    from chainsim.studies.run import run_study, write_study
    from chainsim.studies.studyfile import load_study

    try:
        loaded = load_study(file, allow_outside_paths=outside_paths)
    except ScenarioError as exc:
        _fail_input(exc)
    import os

    n_workers = workers or os.cpu_count() or 1
    target = out_dir if out_dir is not None else Path("results") / f"study-{file.stem}"
    _check_out(target, "compare", [file])
    try:
        result = _with_phases(lambda tick: run_study(
            loaded, replications=replications, workers=n_workers, scheduler=scheduler,
            allow_large=allow_large, progress=tick), quiet)
    except ScenarioError as exc:
        _fail_input(exc)
    except (CompareError, LimitError) as exc:
        say(str(exc))
        raise typer.Exit(BAD_INPUT) from None
    from chainsim.studies.page import build_page

    page = build_page(loaded, result.comparison, result.robustness)
    written = write_study(loaded, result, target, __version__, page=page)
    if not quiet:
        for sentence in [*page.sentences, *page.robustness]:
            say(sentence, to=out)
    say(f"results: {target}/ ({', '.join(p.name for p in written)}); open "
        f"{target / 'report.html'}", to=out)


@app.command()
def sweep(
    experiment: Annotated[Path, typer.Argument(metavar="EXPERIMENT.yaml", help="sweep file")],
    workers: Annotated[int | None, typer.Option(min=1, help="local processes (default: all cores)")] = None,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address, e.g. tcp://host:8786")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="results folder (default results/sweeps/<folder>/<file name>/)")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="finish an interrupted sweep in --out")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar or table")] = False,
    allow_large: Annotated[bool, typer.Option("--allow-large", help="run beyond the size limits (days, replications, nodes, lanes)")] = False,
    outside_paths: Annotated[bool, typer.Option("--allow-outside-paths", help="let files named by extends:/csv: lie outside the folder of the file given")] = False,
) -> None:
    """Run a parameter sweep: design points × replications, streamed to disk, resumable."""
    import os

    from chainsim import __version__
    from chainsim.errors import ScenarioError
    from chainsim.experiments.sweepfile import load_sweep, over_limits

    try:
        spec = load_sweep(experiment, allow_outside_paths=outside_paths, allow_large=allow_large)
        if not allow_large and (found := over_limits(spec)):
            raise ScenarioError(found)
    except ScenarioError as exc:
        _fail_input(exc)
    from chainsim.experiments.sweep import WorkerDied, run_sweep

    target = out_dir if out_dir is not None else (
        Path("results") / "sweeps" / experiment.resolve().parent.name / experiment.stem)
    _check_out(target, "sweep", [experiment, spec.base_path],
               same_kind=None if resume else "add --resume to finish that sweep, or choose "
               "another --out")
    n_workers = workers or os.cpu_count() or 1
    kwargs = dict(workers=n_workers, scheduler=scheduler, resume=resume, version=__version__)
    try:
        if quiet:
            kpis, summary = run_sweep(spec, target, **kwargs)
        else:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            with Progress("[progress.description]{task.description}", BarColumn(),
                          MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                          console=err, transient=True) as bar:
                task = bar.add_task(f"{count(len(spec.points), 'point')} × "
                                    f"{count(spec.replications, 'replication')}: tasks",
                                    total=None)
                kpis, summary = run_sweep(spec, target, **kwargs, progress=lambda done, total:
                                          bar.update(task, completed=done, total=total))
    except ValueError as exc:
        err.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(BAD_INPUT) from None
    except WorkerDied as exc:
        err.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(FAILURE) from None
    if not quiet:
        from chainsim.report.tables import sweep_table

        out.print(sweep_table(summary, list(spec.parameters), spec.metrics, width=out.width))
    out.print(f"results: {target}/ (manifest.json, parts/, kpis.csv, summary.csv)", markup=False,
              highlight=False, soft_wrap=True)


@app.command()
def optimize(
    spec_file: Annotated[Path, typer.Argument(metavar="OPT.yaml", help="optimisation file")],
    workers: Annotated[int | None, typer.Option(min=1, help="local processes (default: all cores)")] = None,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address, e.g. tcp://host:8786")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="results folder (default results/optimize-<file name>/)")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="continue an interrupted search in --out")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar or summary")] = False,
    outside_paths: Annotated[bool, typer.Option("--allow-outside-paths", help="let files named by extends:/csv: lie outside the folder of the file given")] = False,
) -> None:
    """Search policy parameters for the best mean objective under constraints (common random
    numbers, pattern search, then a ranking-and-selection clean-up), within a budget of
    simulated days; resumable."""
    import os

    from chainsim import __version__
    from chainsim.errors import ScenarioError
    from chainsim.experiments.optimizefile import load_optimization

    try:
        opt = load_optimization(spec_file, allow_outside_paths=outside_paths)
    except ScenarioError as exc:
        _fail_input(exc)
    from chainsim.experiments.optimize import run_optimization
    from chainsim.experiments.sweep import WorkerDied

    target = out_dir if out_dir is not None else Path("results") / f"optimize-{spec_file.stem}"
    inputs = [spec_file, *([opt.base_path] if opt.base_path else [])]
    _check_out(target, "optimize", inputs,
               same_kind=None if resume else "add --resume to continue that search, or choose "
               "another --out")
    kwargs = dict(workers=workers or os.cpu_count() or 1, scheduler=scheduler, resume=resume,
                  version=__version__)
    try:
        if quiet:
            result = run_optimization(opt, target, **kwargs)
        else:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            with Progress("[progress.description]{task.description}", BarColumn(),
                          TextColumn("{task.completed:,.0f} / {task.total:,.0f} simulated days"),
                          TimeElapsedColumn(), console=err, transient=True) as bar:
                task = bar.add_task("search", total=opt.budget_days)
                result = run_optimization(opt, target, **kwargs, progress=lambda used, total:
                                          bar.update(task, completed=used, total=total))
    except ValueError as exc:
        say(str(exc))
        raise typer.Exit(BAD_INPUT) from None
    except WorkerDied as exc:
        say(str(exc))
        raise typer.Exit(FAILURE) from None
    if not quiet:
        from chainsim.report.optimize import summary_lines

        for line in summary_lines(result):
            say(line, out)
    say(f"results: {target}/ (manifest.json, candidates.csv, best.yaml, search.png)", out)


@app.command()
def play(
    file: Annotated[Path, typer.Argument(help="scenario YAML file, e.g. scenarios/teaching/beer_game.yaml")],
    role: Annotated[str | None, typer.Option(help="node id to play: retailer | wholesaler | distributor | factory in the Beer Game (default: retailer)")] = None,
    weeks: Annotated[int | None, typer.Option(min=1, help="weeks to play (default: the file's horizon_days)")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="output folder (default results/play/<name>-<role>/)")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="seed of all random streams")] = None,
    outside_paths: Annotated[bool, typer.Option("--allow-outside-paths", help="let files named by extends:/csv: lie outside the folder of the file given")] = False,
) -> None:
    """Play the Beer Game in the terminal: type one order per week (one line each, stdin may be
    piped); the other roles are bots. Saves game.csv, benchmark.csv and the bullwhip figures."""
    from chainsim.errors import ScenarioError
    from chainsim.scenario.load import load_scenario

    try:
        scn = load_scenario(file, allow_outside_paths=outside_paths)
    except ScenarioError as exc:
        _fail_input(exc)
    _check_weeks(scn, weeks)
    from chainsim.play.game import PlayError
    from chainsim.play.session import play as play_session
    from chainsim.play.session import prepare
    from chainsim.results.atomic import safe_name

    try:
        session = prepare(scn, role=role, weeks=weeks, seed=seed)
    except PlayError as exc:
        err.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(BAD_INPUT) from None
    target = out_dir if out_dir is not None else (
        Path("results") / "play" / f"{safe_name(scn.name)}-{safe_name(session.role)}")
    _check_out(target, "play", [file])
    from chainsim import __version__
    from chainsim.results.claim import claim_folder

    claim_folder(target, "play", __version__)  # its manifest first: the next game may reuse it
    session = play_session(session, target, out)
    out.print(f"saved: {target}/ ({', '.join(str(p.relative_to(target)) for p in session.written)})",
              markup=False, highlight=False, soft_wrap=True)


@app.command()
def rerun(
    results_dir: Annotated[Path, typer.Argument(metavar="RESULTS_DIR", help="folder written by run, sweep, compare or optimize")],
    out_dir: Annotated[Path | None, typer.Option("--out", help="keep the repeat in this new folder (default: a temporary folder, removed)")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="local processes for a sweep (default: all cores)")] = None,
) -> None:
    """Repeat a run, sweep or comparison from what its results folder recorded (manifest.json
    and the resolved scenarios) and check that kpis.csv and summary.csv match bit for bit:
    exit 0 if identical, 1 with the first differing rows if not."""
    import os
    import shutil
    import tempfile

    from chainsim import __version__
    from chainsim.errors import ScenarioError
    from chainsim.experiments.rerun import (
        RerunError,
        compare_folders,
        read_folder,
        repeat,
        version_warnings,
    )
    try:
        recorded = read_folder(results_dir)
    except RerunError as exc:
        say(str(exc), err)
        raise typer.Exit(BAD_INPUT) from None
    if out_dir is not None:  # a new or empty folder: a repeat never replaces a results folder
        _check_out(out_dir, recorded.kind, [results_dir],
                   same_kind="give a new or empty folder")
    for line in version_warnings(recorded, __version__):
        say(line, err)
    scratch = None if out_dir is not None else Path(tempfile.mkdtemp(prefix="chainsim-rerun-"))
    target = out_dir if out_dir is not None else scratch / "rerun"
    try:
        say(f"repeating the {recorded.kind} in {results_dir} into "
            f"{target if out_dir is not None else 'a temporary folder'}", out)
        try:
            repeat(recorded, target, __version__, workers=workers or os.cpu_count() or 1)
        except ScenarioError as exc:
            _fail_input(exc)
        except RerunError as exc:
            say(str(exc), err)
            raise typer.Exit(BAD_INPUT) from None
        checks = compare_folders(recorded, target)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    differing = [c for c in checks if not c.identical]
    if not differing:
        say("identical: " + ", ".join(f"{count(c.rows, 'row')} of {c.table}" for c in checks),
            out)
        return
    for check in checks:
        if check.identical:
            say(f"{check.table}: identical ({count(check.rows, 'row')})", out)
            continue
        say(f"{check.table}: {check.differing_rows} of {count(check.rows, 'row')} differ; the "
            "first:", out)
        for difference in check.differences:
            say(f"  {difference}", out)
    raise typer.Exit(FAILURE)


def _metric_names(metrics: str | None) -> tuple[str, ...]:
    """The names given to --metrics, checked against the metric catalogue before anything is
    simulated (exit 2 naming the unknown ones, the closest known names and all known names)."""
    if not metrics:
        return ()
    from chainsim.metrics.catalog import unknown_message

    names = tuple(dict.fromkeys(m.strip() for m in metrics.split(",") if m.strip()))
    message = unknown_message(names) if names else "--metrics names no metric"
    if message:
        err.print(f"--metrics: {message}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(BAD_INPUT)
    return names


def _check_limits(scn, file: Path, **overrides) -> None:
    """Exit 2 if the run would exceed a size limit (scenario/limits.py), with one line each."""
    from chainsim.errors import ScenarioError
    from chainsim.scenario.limits import over_limits, raw_for

    found, flags = over_limits(scn, None, str(file), **overrides)
    if found:  # read the file again only to place the messages
        found, flags = over_limits(scn, raw_for(file), str(file), **overrides)
    for line in flags:
        err.print(line, markup=False, highlight=False, soft_wrap=True)
    if found:
        _fail_input(ScenarioError(found))
    if flags:
        raise typer.Exit(BAD_INPUT)


def _check_weeks(scn, weeks: int | None) -> None:
    """Exit 2 if ``play --weeks`` is over the run-size limits (scenario/limits.py)."""
    from chainsim.scenario.limits import weeks_problem

    if message := weeks_problem(scn, weeks):
        err.print(message, markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(BAD_INPUT)


def _has_traced_orders(results) -> bool:
    """Whether ``--trace`` found consumer orders to trace; if not, say why on stderr."""
    from chainsim.scenario.facts import takes_consumer_orders

    if results.trace is not None and len(results.trace):
        return True
    why = ("no consumer order was placed in this run"
           if any(takes_consumer_orders(n) for n in results.scenario.nodes) else
           "the scenario has no consumer orders (orders: at a 3pl node, or a 3pl outlet in "
           "market mode)")
    err.print(f"--trace: {why}, so there is nothing to trace; no trace file written",
              markup=False, highlight=False, soft_wrap=True)
    return False


def main() -> None:
    """Console entry point: bad input exits 2 with a message, never a traceback."""
    try:
        app()
    except KeyboardInterrupt:
        say("interrupted")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - last line of defence: a message, not a traceback
        from chainsim.errors import ScenarioError
        from chainsim.results.claim import OutputError

        if isinstance(exc, OutputError):  # the folder changed while chainsim was writing
            say(str(exc))
            sys.exit(BAD_INPUT)
        if isinstance(exc, ScenarioError):
            for problem in exc.problems:
                err.print(str(problem), markup=False, highlight=False, soft_wrap=True)
            sys.exit(BAD_INPUT)
        err.print(f"chainsim failed: {type(exc).__name__}: {exc}", markup=False, highlight=False, soft_wrap=True)
        err.print("please report this with the scenario file that caused it", markup=False)
        sys.exit(FAILURE)


if __name__ == "__main__":
    main()
