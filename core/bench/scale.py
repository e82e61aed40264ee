"""Scale run (SPEC section 9): N stores x 3 years of daily history x the demo categories.

Data come from the demo generator (`core.demo.generate_demo(n_stores=N)`), written once as
history.csv / stores.csv under a cache directory and reused by later runs (writing 6.6 M rows of
CSV takes longer than the measurement itself).

The measurement runs in a child process so that its peak memory is its own:

    python -m core.bench.scale --measure DATA_DIR DB_FILE

1. import the dataset through PlannerService.import_dataset (CSV validation + bulk store) -> ingest_s
2. the pre-season through the same service: start_workflow (forecast + order proposal) and
   decide(accept) (clusters + allocation)                                                 -> preseason_s
Peak resident memory is read from /proc/self/status (VmHWM); it is reset between the two phases
(/proc/self/clear_refs) so the pre-season peak is reported apart from the import peak.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DEFAULT_CACHE = Path(tempfile.gettempdir()) / "season-planner-bench"
CHUNK_ROWS = 1_000_000
REPO_ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------------------ data generation
def scale_data_dir(n_stores: int, *, seed: int = 2026, cache_dir: Path = DEFAULT_CACHE) -> Path:
    """Directory holding history.csv and stores.csv for `n_stores` stores (generated on first use)."""
    out = Path(cache_dir) / f"scale-{n_stores}-seed{seed}"
    done = out / "COMPLETE"
    if done.exists():
        return out
    write_scale_data(out, n_stores=n_stores, seed=seed)
    done.write_text(json.dumps({"n_stores": n_stores, "seed": seed}))
    return out


def write_scale_data(out_dir: Path, *, n_stores: int, seed: int = 2026) -> dict[str, Any]:
    """Write history.csv (daily, SPEC 3 format) and stores.csv; returns row counts and sizes."""
    from core.demo import generate_demo
    from core.demo.writer import stores_csv

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


def measure(data_dir: Path, db_file: Path, *, category: str | None = None) -> dict[str, Any]:
    """Import + pre-season through PlannerService, in this process (run it in a child)."""
    t0 = time.perf_counter()
    from core.demo import SEASON_START
    from core.orchestrator.service import PlannerService

    svc = PlannerService(f"sqlite:///{db_file}")
    startup_s = time.perf_counter() - t0
    history = (Path(data_dir) / "history.csv").read_bytes()
    stores = (Path(data_dir) / "stores.csv").read_bytes()
    history_mb = len(history) / 1e6

    t = time.perf_counter()
    ds = svc.import_dataset(history=history, history_name="history.csv", stores=stores, stores_name="stores.csv",
                            label=f"scale {Path(data_dir).name}")
    ingest_s = time.perf_counter() - t
    del history, stores
    ingest_peak = _peak_mb()
    reset = _reset_peak()

    params = {"category": category or ds.categories[0], "season_start": SEASON_START.isoformat(),
              "horizon_weeks": 12}
    t = time.perf_counter()
    doc = svc.start_workflow(params, dataset_id=ds.id)
    forecast_s = time.perf_counter() - t
    t = time.perf_counter()
    doc = svc.decide(doc.workflow_id, accept=True)
    allocate_s = time.perf_counter() - t
    if doc.state != "in_season":
        raise RuntimeError(f"scale pre-season ended in state {doc.state}: {doc.last_error}")
    preseason_peak = _peak_mb()
    svc.close()
    return {
        "stores": ds.stores, "weeks": ds.weeks, "categories": len(ds.categories), "history_mb": round(history_mb, 1),
        "startup_s": startup_s, "ingest_s": ingest_s, "forecast_order_s": forecast_s,
        "clusters_allocation_s": allocate_s, "preseason_s": forecast_s + allocate_s,
        "total_s": ingest_s + forecast_s + allocate_s,
        "ingest_peak_mb": ingest_peak,
        # Without a reset the pre-season peak is the whole process's peak.
        "preseason_peak_mb": preseason_peak if reset else None,
        "peak_mb": max(ingest_peak, preseason_peak),
        "allocated_stores": len(doc.allocation), "order_qty": (doc.order or {}).get("approved"),
    }


def run_scale(n_stores: int, *, cache_dir: Path = DEFAULT_CACHE, timeout_s: float = 1800.0) -> dict[str, Any]:
    """Generate (or reuse) the data, then measure in a fresh child process on a new SQLite file."""
    t = time.perf_counter()
    data_dir = scale_data_dir(n_stores, cache_dir=cache_dir)
    generate_s = time.perf_counter() - t
    with tempfile.TemporaryDirectory(prefix="sp-scale-") as tmp:
        db_file = Path(tmp) / "scale.db"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
        proc = subprocess.run([sys.executable, "-m", "core.bench.scale", "--measure", str(data_dir), str(db_file)],
                              capture_output=True, text=True, cwd=REPO_ROOT, env=env, timeout=timeout_s)
        if proc.returncode != 0:
            raise RuntimeError(f"scale child failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        result["db_mb"] = round(db_file.stat().st_size / 1e6, 1)
    result["data_ready_s"] = generate_s
    return result


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) == 3 and args[0] == "--measure":
        sys.stdout.write(json.dumps(measure(Path(args[1]), Path(args[2]))) + "\n")
        return 0
    if len(args) == 2 and args[0] == "--generate":
        print(scale_data_dir(int(args[1])))
        return 0
    n = int(args[0]) if args else 2000
    print(json.dumps(run_scale(n), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
