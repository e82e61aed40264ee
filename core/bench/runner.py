"""`python -m core bench`: the figures of docs/planning-rules.md §9, measured through the real service.

Figures (seconds unless named otherwise; medians of several runs):
  preseason_warm_s   in one warm process on the built-in demo data: start_workflow (forecast + order
                     proposal) + decide(accept) (clusters + allocation), on a temporary SQLite file;
                     one untimed warm-up run first (it pays the lazy imports and numba compilation)
  cli_plan_cold_s    a whole `python -m core plan --history --stores --params --json` process on the
                     demo files and a new database (start-up, import of the files, forecast, order)
  actuals_week_s     PlannerService.upload_actuals of one demo week (validate, store, variance,
                     re-forecast, replenishment, markdown check), weeks 1..N of the normal scenario
  scale_*            core.bench.scale in a child process: import of N stores x 3 years of daily
                     history given by path (streamed; scale_ingest_s, NOT part of scale_preseason_s),
                     the pre-season (scale_preseason_s), one week of actuals for every store
                     (scale_week_s) and the lab's 2 sets x 50 Monte Carlo paths (scale_compare_mc_s);
                     each phase's peak RSS (_peak_mb); again on PostgreSQL when it answers (_pg)
  page_rerun_*       core.bench.pages: server-side time of a Streamlit page rerun (AppTest), per page
  compare_*_s        core.bench.lab: 8 parameter sets x 200 Monte Carlo seasons / x 3 past seasons
  walmart_*          core.bench.walmart.run_walmart_benchmark when ../shared/data/walmart exists
  forecast_sets      core.bench.forecast_sets: the many-series benchmark per data set (weekly and season WAPE,
                     bias, weekly 80% and season P10..P90 coverage, ms/series, the global member's training
                     CPU per forecast: each forecast gets its data set's series as the panel) and pooled (`bench_*`);
                     FORECAST_SETS_SERIES series per data set by default (quick: fewer), --forecast-full for all
  profit_vs_oracle_*, lost_sales_share, lost_while_dc_holds_share (each with seed_ beside it), order_options_s
                     core.bench.decisions: real past seasons of both data sets replayed through the simulator
  dev_*              core.bench.walmart_perturbed.run_dev_benchmark (the same protocol on growth, step and
                     month-start perturbations of the Walmart series; no target, tracked in docs/forecasting.md)
  queue_latency_*_ms, celery_steps_per_s_{1,2}, celery_speedup_2
                     core.bench.executors: action -> step start on the thread and Celery executors;
                     forecast steps per second on 1 and 2 `python -m core worker` processes (Redis)

Options: --json, --quick (fewer runs, a small scale run, a Walmart subset), --skip-walmart, --skip-forecast-sets,
--forecast-full,
--skip-scale, --skip-pages, --skip-lab, --scale-stores N, --runs N, --growth N,N,... (scale runs for a growth table).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from core.bench.walmart import DEFAULT_DIR as WALMART_DIR  # ../shared/data/walmart, found from a worktree too

REPO_ROOT = Path(__file__).resolve().parents[2]

TARGETS: dict[str, tuple[str, float]] = {
    "preseason_warm_s": ("<", 1.0),
    "cli_plan_cold_s": ("<", 2.0),
    "cli_help_s": ("<", 0.3),
    "actuals_week_s": ("<", 0.3),
    "scale_preseason_s": ("<", 10.0),
    "scale_peak_mb": ("<", 1024.0),
    "walmart_weekly_wape": ("<=", 0.041),
    "walmart_total_wape": ("<=", 0.021),
    "forecast_ms_per_series": ("<=", 20.0),
    "page_rerun_max_s": ("<", 0.3),
    "compare_mc_s": ("<", 10.0),
    "compare_replay_s": ("<", 5.0),
    "celery_speedup_2": (">=", 1.7),
    "order_options_s": ("<", 0.5),
    "profit_vs_oracle_median": (">=", 0.97),
    "profit_vs_oracle_worst": (">=", 0.93),
    "lost_sales_share": ("<=", 0.03),
    "lost_while_dc_holds_share": ("<=", 0.10),
}
QUICK_WALMART_SERIES = ["chain total", "dept 92", "dept 95"]
FORECAST_SETS_SERIES = 12  # per data set in the default run (every k-th series by name)
QUICK_FORECAST_SETS_SERIES = 4


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    return env


# ------------------------------------------------------------------------------ in-process figures
def bench_service(runs: int, weeks: int) -> dict[str, Any]:
    """preseason_warm_s and actuals_week_s through PlannerService on a temporary SQLite file."""
    from core.demo import SEASON_START, demo_actuals_bytes
    from core.orchestrator.service import PlannerService

    with tempfile.TemporaryDirectory(prefix="sp-bench-") as tmp:
        svc = PlannerService(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            t = time.perf_counter()
            ds = svc.ensure_demo_dataset()
            demo_import_s = time.perf_counter() - t
            params = {"category": ds.categories[0], "season_start": SEASON_START.isoformat(), "horizon_weeks": 12}

            def preseason() -> tuple[str, float, float]:
                t0 = time.perf_counter()
                doc = svc.start_workflow(params, dataset_id=ds.id)
                t1 = time.perf_counter()
                doc = svc.decide(doc.workflow_id, accept=True)
                t2 = time.perf_counter()
                if doc.state != "in_season":
                    raise RuntimeError(f"pre-season ended in state {doc.state}: {doc.last_error}")
                return doc.workflow_id, t1 - t0, t2 - t1

            t = time.perf_counter()
            workflow_id, _, _ = preseason()  # warm-up: lazy imports, numba compilation, frame cache
            warmup_s = time.perf_counter() - t
            forecast_runs, allocate_runs = [], []
            for _ in range(runs):
                workflow_id, f, a = preseason()
                forecast_runs.append(f)
                allocate_runs.append(a)
            total_runs = [f + a for f, a in zip(forecast_runs, allocate_runs)]

            week_runs = []
            for week in range(1, weeks + 1):
                data = demo_actuals_bytes("normal", week)
                t = time.perf_counter()
                doc = svc.upload_actuals(workflow_id, data, f"week_{week:02d}.csv")
                week_runs.append(time.perf_counter() - t)
                if doc.weeks_done != week:
                    raise RuntimeError(f"week {week} was not processed (state {doc.state}: {doc.last_error})")
        finally:
            svc.close()
    return {
        "preseason_warm_s": _median(total_runs),
        "actuals_week_s": _median(week_runs),
        "runs": {
            "demo_import_s": demo_import_s, "preseason_warmup_s": warmup_s,
            "preseason_s": total_runs, "forecast_order_s": forecast_runs, "clusters_allocation_s": allocate_runs,
            "actuals_week_s": week_runs,
        },
    }


# ------------------------------------------------------------------------------ cold CLI process
def bench_cli_plan(runs: int) -> dict[str, Any]:
    """A whole `python -m core plan ... --json` process, on a new database each run."""
    from core.demo import SEASON_START, write_demo_data
    from core.demo.generator import CATEGORIES

    import resource

    times: list[float] = []
    cpu: list[float] = []
    with tempfile.TemporaryDirectory(prefix="sp-bench-cli-") as tmp:
        data = Path(tmp) / "demo"
        write_demo_data(data)
        params = Path(tmp) / "params.json"
        params.write_text(json.dumps({"category": CATEGORIES[0], "season_start": SEASON_START.isoformat(),
                                      "horizon_weeks": 12}))
        for i in range(runs):
            cmd = [sys.executable, "-m", "core", "plan", "--db", str(Path(tmp) / f"plan{i}.db"),
                   "--history", str(data / "history.csv"), "--stores", str(data / "stores.csv"),
                   "--params", str(params), "--json"]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO_ROOT, env=_child_env(), timeout=300)
            times.append(time.perf_counter() - t)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            # CPU seconds of the child: on a shared machine wall time includes waiting for a core.
            cpu.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
            if proc.returncode != 0:
                raise RuntimeError(f"`python -m core plan` exited {proc.returncode}: {proc.stderr.strip()[-1500:]}")
            state = json.loads(proc.stdout)["state"]
            if state != "awaiting_order_approval":
                raise RuntimeError(f"`python -m core plan` ended in state {state}")
        helps: list[float] = []
        for _ in range(max(3, runs)):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "core", "--help"], capture_output=True, cwd=REPO_ROOT,
                           env=_child_env(), timeout=60, check=True)
            helps.append(time.perf_counter() - t)
    return {"cli_plan_cold_s": _median(times), "cli_plan_cold_cpu_s": _median(cpu), "cli_help_s": _median(helps),
            "runs": {"cli_plan_cold_s": times, "cli_plan_cold_cpu_s": cpu, "cli_help_s": helps}}


# ------------------------------------------------------------------------------ scale and Walmart
SCALE_KEYS = ("ingest_s", "ingest_peak_mb", "preseason_s", "preseason_peak_mb", "week_s", "compare_mc_s",
              "compare_mc_peak_mb", "compare_mc_workers_peak_mb", "peak_mb", "total_s")


def bench_scale(n_stores: int) -> dict[str, Any]:
    """The scale run on SQLite and, when it answers, on PostgreSQL (the same figures with a `_pg` suffix)."""
    from core.bench.scale import pg_reachable, run_scale

    r = run_scale(n_stores)
    out: dict[str, Any] = {"scale_stores": r["stores"], **{f"scale_{k}": r[k] for k in SCALE_KEYS},
                           "runs": {"scale": r}}
    reason = pg_reachable()
    if reason is None:
        pg = run_scale(n_stores, backend="postgresql")
        out.update({f"scale_{k}_pg": pg[k] for k in SCALE_KEYS})
        out["runs"]["scale_pg"] = pg
    else:
        out["scale_pg_skipped"] = f"PostgreSQL not reachable: {reason}"
    return out


def bench_growth(sizes: list[int]) -> list[dict[str, Any]]:
    from core.bench.scale import run_scale

    rows = []
    for n in sizes:
        r = run_scale(n)
        rows.append({"stores": n, "history_mb": r["history_mb"], "ingest_s": r["ingest_s"],
                     "forecast_order_s": r["forecast_order_s"], "clusters_allocation_s": r["clusters_allocation_s"],
                     "preseason_s": r["preseason_s"], "ingest_peak_mb": r["ingest_peak_mb"],
                     "preseason_peak_mb": r["preseason_peak_mb"], "peak_mb": r["peak_mb"]})
    return rows


def bench_walmart(quick: bool) -> dict[str, Any]:
    from core.bench.walmart import run_walmart_benchmark

    t = time.perf_counter()
    if quick:
        r = run_walmart_benchmark(WALMART_DIR, series_names=QUICK_WALMART_SERIES, origins=2)
    else:
        r = run_walmart_benchmark(WALMART_DIR)
    elapsed = time.perf_counter() - t
    out = {k: r[k] for k in ("walmart_weekly_wape", "walmart_total_wape", "forecast_ms_per_series")}
    protocol = "quick subset (3 series x 2 origins)" if quick else "full (21 series x 7 origins)"
    out["runs"] = {"walmart": {**r, "seconds": elapsed, "protocol": protocol}}
    # The development benchmark (core/bench/walmart_perturbed.py): the same protocol on perturbed series.
    from core.bench.walmart_perturbed import run_dev_benchmark

    t = time.perf_counter()
    dev = (run_dev_benchmark(WALMART_DIR, series_names=QUICK_WALMART_SERIES, origins=2) if quick
           else run_dev_benchmark(WALMART_DIR))
    out.update({k: dev[k] for k in ("dev_weekly_wape", "dev_total_wape", "dev_total_bias")})
    out["runs"]["walmart_perturbed"] = {**dev, "seconds": time.perf_counter() - t}
    return out


def bench_forecast_sets(quick: bool, full: bool = False) -> dict[str, Any]:
    """The many-series forecast benchmark (core/bench/forecast_sets.py) per data set and pooled."""
    from core.bench.forecast_sets import run_forecast_benchmark

    t = time.perf_counter()
    per_set = None if full else (QUICK_FORECAST_SETS_SERIES if quick else FORECAST_SETS_SERIES)
    r = run_forecast_benchmark(max_series=per_set)
    pooled = r["pooled"]
    out: dict[str, Any] = {"forecast_sets": r["sets"], "forecast_sets_pooled": pooled,
                           "forecast_sets_notes": r["notes"]}
    for key in ("weekly_wape", "season_wape", "bias", "coverage_weekly", "coverage_season"):
        if key in pooled:
            out[f"bench_{key}"] = pooled[key]
    out["runs"] = {"forecast_sets": {"seconds": time.perf_counter() - t,
                                     "series_per_set": "all" if per_set is None else per_set}}
    return out


# ------------------------------------------------------------------------------ report
def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"cpu_count": os.cpu_count(), "python": platform.python_version(),
                            "platform": platform.platform()}
    try:
        info["loadavg_1m"] = round(os.getloadavg()[0], 2)
    except OSError:
        pass
    try:
        with open("/proc/cpuinfo") as fh:
            model = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), None)
        if model:
            info["cpu_model"] = model
        with open("/proc/meminfo") as fh:
            info["memory_gb"] = round(int(fh.readline().split()[1]) / 1024 / 1024, 1)
    except (OSError, ValueError):
        pass
    return info


def check_targets(figures: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for key, (op, limit) in TARGETS.items():
        value = figures.get(key)
        if value is None:
            continue
        met = {"<": value < limit, "<=": value <= limit, ">=": value >= limit}[op]
        out[key] = {"value": value, "target": f"{op} {limit:g}", "met": bool(met)}
    return out


def run(*, runs: int, weeks: int, cli_runs: int, scale_stores: int | None, walmart: bool | None, quick: bool,
        growth: list[int] | None = None, pages: bool = True, lab: bool = True, executors: bool = True,
        forecast_sets: bool = True, forecast_full: bool = False, decisions: bool = True,
        log=None) -> dict[str, Any]:
    def note(msg: str) -> None:
        if log is not None:
            log(msg)

    started = time.perf_counter()
    doc: dict[str, Any] = {"runs": {}}

    def merge(part: dict[str, Any]) -> None:
        doc["runs"].update(part.pop("runs", {}))
        doc.update(part)

    note(f"service on the demo data ({runs} warm pre-season runs, {weeks} weeks of actuals)...")
    merge(bench_service(runs, weeks))
    note(f"cold `python -m core plan` processes ({cli_runs})...")
    merge(bench_cli_plan(cli_runs))
    if scale_stores:
        note(f"scale run with {scale_stores} stores (generates the data on first use)...")
        merge(bench_scale(scale_stores))
    if growth:
        note(f"growth table for {', '.join(map(str, growth))} stores...")
        doc["scale_growth"] = bench_growth(growth)
    if pages:
        note("Streamlit page reruns (AppTest)...")
        from core.bench.pages import bench_pages

        merge(bench_pages(reruns=2 if quick else 3))
    if lab:
        note("scenario lab comparisons (Monte Carlo and replay)...")
        from core.bench.lab import bench_lab

        merge(bench_lab(runs=1 if quick else 3, quick=quick))
        if not quick:  # workers are started and stopped twice: too slow for the quick run
            from core.bench.lab import bench_celery as bench_lab_celery

            merge(bench_lab_celery())
    if decisions:
        note("decisions: past seasons of both data sets replayed (profit against the oracle)...")
        from core.bench.decisions import bench_decisions

        merge(bench_decisions(quick=quick))
    if executors:
        from core.bench.executors import bench_celery, bench_thread_latency

        note("queue latency on the thread executor...")
        merge(bench_thread_latency(runs=2 if quick else 5))
        note("Celery workers (1 and 2) on Redis...")
        merge(bench_celery(steps=6 if quick else 12))
    if walmart is None:
        walmart = (WALMART_DIR / "walmart_weekly_store_sales.csv").exists()
    if walmart:
        note("Walmart forecast protocol...")
        merge(bench_walmart(quick))
    if forecast_sets:
        note("many-series forecast benchmark (core.bench.forecast_sets)...")
        merge(bench_forecast_sets(quick, forecast_full))
    doc["targets"] = check_targets(doc)
    doc["all_targets_met"] = all(t["met"] for t in doc["targets"].values())
    doc["settings"] = {"quick": quick, "warm_runs": runs, "actuals_weeks": weeks, "cli_runs": cli_runs,
                       "scale_stores": scale_stores, "walmart": bool(walmart), "pages": pages,
                       "executors": executors, "forecast_sets": forecast_sets, "forecast_full": forecast_full}
    doc["machine"] = machine()
    doc["bench_seconds"] = time.perf_counter() - started
    return doc


def _table(doc: dict[str, Any]) -> str:
    lines = ["| figure | value | target | met |", "|---|---|---|---|"]
    for key, t in doc["targets"].items():
        v = t["value"]
        shown = f"{v:.2%}" if "wape" in key else (f"{v:.0f}" if key.endswith("_mb") else f"{v:.3f}")
        lines.append(f"| {key} | {shown} | {t['target']} | {'yes' if t['met'] else 'NO'} |")
    extra = [("queue_latency_thread_ms", "{:.1f}"), ("queue_latency_celery_ms", "{:.1f}"),
             ("celery_steps_per_s_1", "{:.2f}"), ("celery_steps_per_s_2", "{:.2f}"),
             ("cli_plan_cold_cpu_s", "{:.2f}"), ("cli_help_s", "{:.2f}"), ("scale_stores", "{:.0f}"),
             *[(f"scale_{k}{suffix}", "{:.0f}" if k.endswith("_mb") else "{:.2f}")
               for suffix in ("", "_pg") for k in SCALE_KEYS if k != "peak_mb"],
             ("seed_profit_vs_oracle_median", "{:.3f}"), ("seed_profit_vs_oracle_worst", "{:.3f}"),
             ("seed_lost_sales_share", "{:.4f}"), ("seed_lost_while_dc_holds_share", "{:.3f}"),
             ("beats_seed_share", "{:.3f}"), ("decision_seasons", "{:.0f}"),
             ("lost_sales_estimate_ratio_median", "{:.3f}"), ("lost_sales_estimate_seasons", "{:.0f}"),
             ("dev_weekly_wape", "{:.2%}"), ("dev_total_wape", "{:.2%}"), ("dev_total_bias", "{:+.2%}")]
    for key, fmt in extra:
        if doc.get(key) is not None:
            lines.append(f"| {key} | {fmt.format(doc[key])} | | |")
    for row in doc.get("scale_growth", []):
        lines.append(f"| growth {row['stores']} stores | ingest {row['ingest_s']:.2f} s, pre-season "
                     f"{row['preseason_s']:.2f} s, peak {row['peak_mb']:.0f} MB | | |")
    if doc.get("forecast_sets"):
        from core.bench.forecast_sets import table

        lines += ["", "many-series forecast benchmark (core.bench.forecast_sets):",
                  table({"sets": doc["forecast_sets"], "pooled": doc.get("forecast_sets_pooled") or {},
                         "notes": doc.get("forecast_sets_notes", [])})]
    m = doc["machine"]
    lines.append("")
    lines.append(f"machine: {m.get('cpu_count')} CPUs ({m.get('cpu_model', '?')}), Python {m['python']}, "
                 f"load {m.get('loadavg_1m', '?')}; bench took {doc['bench_seconds']:.0f} s")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m core bench", description="performance figures of docs/planning-rules.md §9"
    )
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument("--quick", action="store_true",
                   help="fewer runs, a 100-store scale run and a Walmart subset (figures are indicative only)")
    p.add_argument("--skip-walmart", action="store_true", help="do not run the Walmart forecast protocol")
    p.add_argument("--skip-forecast-sets", action="store_true",
                   help="do not run the many-series forecast benchmark (core.bench.forecast_sets)")
    p.add_argument("--forecast-full", action="store_true",
                   help="the many-series forecast benchmark on every series (minutes), not a subsample")
    p.add_argument("--skip-scale", action="store_true", help="do not run the scale run")
    p.add_argument("--skip-pages", action="store_true", help="do not time the Streamlit pages (AppTest)")
    p.add_argument("--skip-lab", action="store_true", help="do not time the scenario-lab comparisons")
    p.add_argument("--skip-decisions", action="store_true", help="do not replay past seasons for the decision figures")
    p.add_argument("--skip-executors", action="store_true",
                   help="do not measure queue latency and Celery throughput")
    p.add_argument("--scale-stores", type=int, metavar="N", help="stores in the scale run (default 2000; quick 100)")
    p.add_argument("--runs", type=int, metavar="N", help="warm pre-season runs (default 5; quick 2)")
    p.add_argument("--growth", metavar="N,N,...", help="also run the scale run for these store counts")
    return p


def main(argv: list[str] | None = None) -> int:
    raw = sys.argv[1:] if argv is None else argv
    # `python -m core bench --json -- --quick` hands the options over with the separator in front.
    args = build_parser().parse_args([a for a in raw if a != "--"])
    quick = bool(args.quick)
    runs = args.runs or (2 if quick else 5)
    scale = None if args.skip_scale else (args.scale_stores or (100 if quick else 2000))
    growth = [int(x) for x in args.growth.split(",")] if args.growth else None
    walmart = False if args.skip_walmart else None

    def log(msg: str) -> None:
        sys.stderr.write(msg + "\n")
        sys.stderr.flush()

    doc = run(runs=runs, weeks=3 if quick else 5, cli_runs=1 if quick else 3, scale_stores=scale, walmart=walmart,
              quick=quick, growth=growth, pages=not args.skip_pages, lab=not args.skip_lab,
              executors=not args.skip_executors, forecast_sets=not args.skip_forecast_sets,
              forecast_full=bool(args.forecast_full), decisions=not args.skip_decisions, log=log)
    if args.json:
        sys.stdout.write(json.dumps(doc, default=str) + "\n")
    else:
        sys.stdout.write(_table(doc) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
