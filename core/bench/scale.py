"""Scale run (docs/planning-rules.md, the targets): N stores x 3 years of daily history x the demo categories.

Data come from the demo generator (`core.demo.generate_demo(n_stores=N)`), written once as
history.csv / stores.csv / week_01.csv under a cache directory and reused by later runs.

The measurement runs in a child process so that its peak memory is its own:

    python -m core.bench.scale --measure DATA_DIR DB_URL

1. import the dataset through PlannerService.import_dataset, the history given by path (streamed:
   chunks in, weekly rows out in batches)                                                  -> ingest_s
2. the pre-season through the same service: start_workflow (forecast + order proposal) and
   decide(accept) (clusters + allocation)                                                 -> preseason_s
3. one week of actuals for every store (one upload through the service, the week step)   -> week_s
4. the scenario lab: 2 parameter sets x 50 Monte Carlo paths on the dataset              -> compare_mc_s
Peak resident memory is read from /proc/self/status (VmHWM); it is reset between the phases
(/proc/self/clear_refs) so each phase's peak is its own. The lab's worker processes report their
own peak (the largest child's, from getrusage). On PostgreSQL the run uses a fresh schema.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

DEFAULT_CACHE = Path(tempfile.gettempdir()) / "season-planner-bench"
CHUNK_ROWS = 1_000_000
REPO_ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("SCALE_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


# ------------------------------------------------------------------------------ data generation
def scale_data_dir(n_stores: int, *, seed: int = 2026, cache_dir: Path = DEFAULT_CACHE) -> Path:
    """Directory holding history.csv and stores.csv for `n_stores` stores (generated on first use)."""
    out = Path(cache_dir) / f"scale-{n_stores}-seed{seed}-v2"
    done = out / "COMPLETE"
    if done.exists():
        return out
    write_scale_data(out, n_stores=n_stores, seed=seed)
    done.write_text(json.dumps({"n_stores": n_stores, "seed": seed}))
    return out


def write_scale_data(out_dir: Path, *, n_stores: int, seed: int = 2026) -> dict[str, Any]:
    """Write history.csv (daily, docs/planning-rules.md §3 format) and stores.csv; returns row counts and sizes."""
    from core.demo import generate_demo
    from core.demo.writer import actuals_csv, stores_csv

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    demo = generate_demo(seed=seed, n_stores=n_stores)
    history = demo.history
    # Format each of the ~1,100 distinct days once instead of 6.6 M times.
    day_text = history["date"].dt.strftime("%Y-%m-%d").astype("category")
    tmp = out_dir / "history.csv.part"
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        for lo in range(0, len(history), CHUNK_ROWS):
            chunk = history.iloc[lo: lo + CHUNK_ROWS].assign(date=day_text.iloc[lo: lo + CHUNK_ROWS])
            chunk.to_csv(fh, index=False, header=lo == 0, lineterminator="\n", float_format="%.2f")
    tmp.replace(out_dir / "history.csv")
    (out_dir / "stores.csv").write_bytes(stores_csv(demo))
    (out_dir / "week_01.csv").write_bytes(actuals_csv(demo, "normal", 1))
    return {"history_rows": int(len(history)), "stores": n_stores,
            "history_mb": round((out_dir / "history.csv").stat().st_size / 1e6, 1)}


# ------------------------------------------------------------------------------ measurement (child)
def _peak_mb() -> float:
    """Peak resident set size of this process since start or the last reset, in MB."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _phase(name: str, out: dict[str, Any], fn: Any) -> Any:
    """Run `fn`, recording `<name>_s` and `<name>_peak_mb` (the peak since the previous reset)."""
    t = time.perf_counter()
    result = fn()
    out[f"{name}_s"] = time.perf_counter() - t
    out[f"{name}_peak_mb"] = _peak_mb()
    if not _reset_peak():
        out[f"{name}_peak_mb_note"] = "peak not reset: the process's peak so far"
    return result


def measure(data_dir: Path, db_url: str, *, category: str | None = None) -> dict[str, Any]:
    """Import, pre-season, one week and a Monte Carlo comparison through PlannerService, in this process
    (run it in a child)."""
    from core.demo import SEASON_START
    from core.orchestrator.service import PlannerService

    data_dir = Path(data_dir)
    out: dict[str, Any] = {"history_mb": round((data_dir / "history.csv").stat().st_size / 1e6, 1)}
    svc = _phase("startup", out, lambda: PlannerService(db_url))
    stores = (data_dir / "stores.csv").read_bytes()
    ds = _phase("ingest", out, lambda: svc.import_dataset(
        history=data_dir / "history.csv", history_name="history.csv", stores=stores, stores_name="stores.csv",
        label=f"scale {data_dir.name}"))
    params = {"category": category or ds.categories[0], "season_start": SEASON_START.isoformat(), "horizon_weeks": 12}
    doc = _phase("forecast_order", out, lambda: svc.start_workflow(params, dataset_id=ds.id))
    doc = _phase("clusters_allocation", out, lambda: svc.decide(doc.workflow_id, accept=True))
    if doc.state != "in_season":
        raise RuntimeError(f"scale pre-season ended in state {doc.state}: {doc.last_error}")
    out["preseason_s"] = out["forecast_order_s"] + out["clusters_allocation_s"]
    out["preseason_peak_mb"] = max(out["forecast_order_peak_mb"], out["clusters_allocation_peak_mb"])
    week = (data_dir / "week_01.csv").read_bytes()
    after = _phase("week", out, lambda: svc.upload_actuals(doc.workflow_id, week, "week_01.csv"))
    out["week_state"] = after.state
    out["compare_mc_paths"] = 50
    _phase("compare_mc", out, lambda: _compare(svc, ds.id, params))
    out["compare_mc_workers_peak_mb"] = _children_peak_mb()
    svc.close()
    out.update(stores=ds.stores, weeks=ds.weeks, categories=len(ds.categories), allocated_stores=len(doc.allocation),
               order_qty=(doc.order or {}).get("approved"))
    out["total_s"] = out["ingest_s"] + out["preseason_s"]
    out["peak_mb"] = max(out["ingest_peak_mb"], out["preseason_peak_mb"])
    return out


def _compare(svc: Any, dataset_id: int, params: dict[str, Any]) -> dict[str, Any]:
    """The lab on the dataset: 2 sets x 50 Monte Carlo paths (seed 0), the default executor."""
    from core.lab.runner import DemandSpec
    from core.lab.service import dataset_comparison

    rows = [dict(params, name="default", unit_cost=25.0), dict(params, name="safety-30", unit_cost=25.0,
                                                               safety_stock=0.30)]
    doc, _ = dataset_comparison(svc, dataset_id, rows, DemandSpec("monte-carlo", paths=50, seed=0))
    return doc


def _children_peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0


def pg_reachable(url: str = PG_URL) -> str | None:
    """None when PostgreSQL answers at `url`, else the reason."""
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect is a reason to skip, said in the output
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ''}"


def run_scale(n_stores: int, *, cache_dir: Path = DEFAULT_CACHE, timeout_s: float = 3600.0,
              backend: str = "sqlite") -> dict[str, Any]:
    """Generate (or reuse) the data, then measure in a fresh child process on a new SQLite file or a
    new PostgreSQL schema (`backend` = "postgresql")."""
    t = time.perf_counter()
    data_dir = scale_data_dir(n_stores, cache_dir=cache_dir)
    generate_s = time.perf_counter() - t
    with tempfile.TemporaryDirectory(prefix="sp-scale-") as tmp, _database(backend, Path(tmp)) as db_url:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
        proc = subprocess.run([sys.executable, "-m", "core.bench.scale", "--measure", str(data_dir), db_url],
                              capture_output=True, text=True, cwd=REPO_ROOT, env=env, timeout=timeout_s)
        if proc.returncode != 0:
            raise RuntimeError(f"scale child failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        db_file = Path(tmp) / "scale.db"
        if db_file.exists():
            result["db_mb"] = round(db_file.stat().st_size / 1e6, 1)
    result["data_ready_s"] = generate_s
    result["backend"] = backend
    return result


@contextmanager
def _database(backend: str, tmp: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'scale.db'}"
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.schema import CreateSchema, DropSchema

    schema = f"sp_scale_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(CreateSchema(schema))  # the dialect quotes the name
    try:
        yield make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(DropSchema(schema, cascade=True))
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) == 3 and args[0] == "--measure":
        sys.stdout.write(json.dumps(measure(Path(args[1]), args[2])) + "\n")
        return 0
    if len(args) == 2 and args[0] == "--generate":
        print(scale_data_dir(int(args[1])))
        return 0
    n = int(args[0]) if args else 2000
    backend = args[1] if len(args) > 1 else "sqlite"
    print(json.dumps(run_scale(n, backend=backend), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
