"""`python -m core compare`: the scenario lab on the command line (docs/planning-rules.md §8, §7).

    compare --history CSV --stores CSV --params A.json --params B.json ... (--replay DATE | --monte-carlo N)
            [--seed S] [--db DB] --json
    compare WF --db DB --alt FILE.json ... [--monte-carlo N] [--seed S] --json

The first form compares parameter files on the given data: `--replay` a past season of the history
(repeat it for several), `--monte-carlo` N seeded paths around the forecast. The second compares a
workflow's own parameters (first set, "current", with its decided order and markdown) against
alternatives whose files hold only the fields they change: on the workflow's actual weeks when the
season is complete, else on Monte Carlo paths of its forecast. Problems (a file, a field, a replay
start without enough history) raise PlannerError naming them: the CLI exits 2, nothing is stored.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

# The lab and the domain load with the command itself, so `python -m core --help` stays instant.
DEFAULT_PATHS = 200  # core.domain.simulation.DEFAULT_PATHS (a test keeps them equal)


MAX_SEED = 2**32 - 1


def add_parser(sub: Any) -> None:
    p = sub.add_parser("compare", help="scenario lab: parameter sets side by side on past or simulated seasons")
    p.add_argument("workflow", nargs="?", metavar="WF", help="compare a workflow's own parameters (with --alt)")
    p.add_argument("--history", metavar="CSV")
    p.add_argument("--stores", metavar="CSV")
    p.add_argument("--params", action="append", default=[], metavar="FILE.json",
                   help="a parameter set (SeasonParameters fields, optional name, order_qty, markdown_depth, "
                        "unit_price, unit_cost); 2 to 8")
    p.add_argument("--alt", action="append", default=[], metavar="FILE.json",
                   help="with WF: an alternative (only the fields it changes); 1 to 7")
    p.add_argument("--replay", action="append", default=[], metavar="YYYY-MM-DD",
                   help="replay the past season starting that week (repeat for several seasons)")
    p.add_argument("--monte-carlo", type=int, metavar="N", help=f"N simulated seasons (default {DEFAULT_PATHS})")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="Monte Carlo seed (default 0)")
    from core.cli.arguments import map_arg

    map_arg(p)
    p.add_argument("--db", help="store the comparison there (required with WF)")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def _check_args(args: argparse.Namespace) -> list[str]:
    problems = []
    if args.workflow:
        if not args.db:
            problems.append("compare WF needs --db (the workflow's database)")
        if not args.alt:
            problems.append("compare WF needs at least one --alt FILE.json")
        for name in ("history", "stores"):
            if getattr(args, name):
                problems.append(f"--{name} is not used with WF: the workflow's own dataset is compared")
        if args.params or args.replay:
            problems.append("compare WF takes --alt files (not --params / --replay)")
        if getattr(args, "map", None):
            problems.append("--map is not used with WF: the workflow's data set was read with its own mapping")
    else:
        for name in ("history", "stores"):
            if not getattr(args, name):
                problems.append(f"--{name} CSV is required (or give a workflow id WF with --db and --alt)")
        if args.alt:
            problems.append("--alt needs a workflow id WF; use --params for files on --history/--stores")
        if bool(args.replay) == (args.monte_carlo is not None):
            problems.append("give exactly one of --replay DATE or --monte-carlo N")
    if args.monte_carlo is not None and not 1 <= args.monte_carlo <= 100_000:
        problems.append(f"--monte-carlo {args.monte_carlo}: allowed 1..100000")
    if not 0 <= args.seed <= MAX_SEED:
        problems.append(f"--seed {args.seed}: allowed 0..{MAX_SEED}")
    return problems


def _check_files(args: argparse.Namespace) -> list[str]:
    """Every input file stat'ed before anything is read: a folder, a FIFO or an oversize file is named
    as such (a 3 GB --history was read whole, 3.2 GB of memory, before its size was checked)."""
    from core.cli.files import check_input
    from core.domain.errors import PlannerError

    problems: list[str] = []
    named = [(args.history, "history", "history"), (args.stores, "stores", "stores")]
    named += [(p, "parameters", "parameters") for p in [*args.params, *args.alt]]
    for path, what, kind in named:
        if path:
            try:
                check_input(path, what, kind)
            except PlannerError as exc:
                problems.extend(exc.messages)
    return problems


def run_command(args: argparse.Namespace, emit: Callable[[Any, bool, str], None]) -> int:
    """`compare` for core.cli.main: PlannerError (exit 2) on bad input; the comparison is stored with --db."""
    from core.domain.errors import PlannerError
    from core.lab.comparisons import read_files

    problems = _check_args(args) + _check_files(args)
    if problems:
        raise PlannerError(problems)
    notes: list[str] = []
    if args.workflow:
        from core.cli.files import refuse_missing_database
        from core.orchestrator.service import PlannerService

        refuse_missing_database(args.db, args.workflow)  # a mistyped --db is refused, not created empty
        svc = PlannerService(args.db)
        try:
            doc, inputs = svc.workflow_comparison(args.workflow, read_files(args.alt), monte_carlo=args.monte_carlo,
                                                  seed=args.seed)
            doc["comparison_id"] = svc.save_comparison(doc, inputs, label=f"{args.workflow}: {len(doc['sets'])} sets",
                                                       workflow_id=args.workflow)
        finally:
            svc.close()
    else:
        from core.lab.comparisons import files_comparison
        from core.orchestrator.lab_remote import lab_executor

        with lab_executor() as executor:  # the worker when a broker is set and one takes the parts
            doc, inputs = files_comparison(history_csv=args.history, stores_csv=args.stores, params=args.params,
                                           replay=args.replay, monte_carlo=args.monte_carlo, seed=args.seed,
                                           notes=notes, mapping=getattr(args, "column_map", None),
                                           executor=executor)
        if args.db:
            from core.config import resolve_db_url
            from core.db.comparisons import save_comparison
            from core.db.engine import open_engine

            engine = open_engine(resolve_db_url(args.db))
            try:
                doc["comparison_id"] = save_comparison(engine, label=", ".join(s["name"] for s in doc["sets"]),
                                                       inputs=inputs, results=doc)
            finally:
                engine.dispose()
    for note in notes + list(doc.get("notes") or []):
        sys.stderr.write(f"note: {note}\n")
    emit(doc, args.json, comparison_text(doc))
    return 0


def comparison_text(doc: dict[str, Any]) -> str:
    from core.domain.simulation import METRICS

    names = [s["name"] for s in doc["sets"]]
    width = max(12, *(len(n) for n in names))
    runs = doc['demand'].get('paths', len(doc['demand'].get('seasons', [])) or 1)
    lines = [f"demand: {doc['demand']['source']} ({runs}"
             f" run(s) per set), seed {doc['seed']}", "metric".ljust(22) + "".join(n.rjust(width + 2) for n in names)]
    lines.append("order".ljust(22) + "".join(f"{s['order']:,}".rjust(width + 2) for s in doc["sets"]))
    for key in METRICS:
        cells = []
        for s in doc["sets"]:
            v = s["metrics"].get(key)
            mark = "*" if s["name"] in doc["best"].get(key, []) and len(doc["best"].get(key, [])) < len(names) else ""
            text = "n/a" if v is None else (f"{v:.1%}" if key == "sell_through" else f"{v:,.0f}")
            cells.append((text + mark).rjust(width + 2))
        lines.append(key.ljust(22) + "".join(cells))
    lines.append("* best on that metric (median over the runs)")
    best = doc.get("best_set")
    if best:
        lines.append(f"best set: {best['name']} (by {best['by']}, median {best['value']:,.0f})")
    return "\n".join(lines)
