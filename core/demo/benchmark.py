"""Timing of the demo generator and of history ingestion at demo size and at chain scale.

Run `python -m core.demo.benchmark [--stores 2000] [--json]`. Each measurement runs in a fresh
subprocess so the peak memory (ru_maxrss) belongs to that step alone. The big CSV is written once
to a cache folder because writing 6.6M rows with pandas takes longer than parsing them.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

_STEP = r"""
import json, resource, sys, time
from pathlib import Path
step, arg = sys.argv[1], sys.argv[2]
if step == "generate":
    from core.demo import generate_demo
    t = time.perf_counter(); demo = generate_demo(n_stores=int(arg)); seconds = time.perf_counter() - t
    rows = len(demo.history)
else:
    from core.domain.ingest import parse_history
    data = Path(arg).read_bytes()
    t = time.perf_counter(); up = parse_history(data, Path(arg).name); seconds = time.perf_counter() - t
    rows = up.rows_read
print(json.dumps({"seconds": round(seconds, 3), "rows": rows,
                  "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
"""


def _run(step: str, arg: str) -> dict:
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", _STEP, step, arg], cwd=root, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def big_history_file(n_stores: int, cache: Path) -> Path:
    path = cache / f"demo_history_{n_stores}_stores.csv"
    if not path.exists():
        # In a child process: Linux children inherit the parent's peak RSS, which would spoil the figures.
        code = (
            "import sys; from pathlib import Path; from core.demo.generator import generate_demo; "
            "from core.demo.writer import history_csv; "
            "Path(sys.argv[2]).write_bytes(history_csv(generate_demo(n_stores=int(sys.argv[1]))))"
        )
        root = Path(__file__).resolve().parents[2]
        subprocess.run([sys.executable, "-c", code, str(n_stores), str(path)], cwd=root, check=True)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=2000)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "season_planner_bench")
    parser.add_argument("--anchor", type=Path, default=Path(__file__).resolve().parents[3] / "shared" / "data"
                        / "anchor" / "historical_sales_2022_2024.csv")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)

    figures: dict[str, dict] = {
        "generate_50_stores": _run("generate", "50"),
        f"generate_{args.stores}_stores": _run("generate", str(args.stores)),
    }
    if args.anchor.exists():
        figures["parse_anchor_history"] = _run("parse", str(args.anchor))
    big = big_history_file(args.stores, args.cache)
    figures[f"parse_history_{args.stores}_stores"] = _run("parse", str(big)) | {
        "file_mb": round(big.stat().st_size / 2**20, 1)
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for name, fig in figures.items():
            print(f"{name:32s} {fig['seconds']:7.2f} s  {fig['rows']:>10,} rows  peak {fig['peak_mb']:7.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
