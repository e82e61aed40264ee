"""Command line over PlannerService (docs/planning-rules.md §8): the same service layer as the UI, headless.

Exit codes: 0 success; 2 rejected input or an action not allowed now (reasons on stderr, nothing
changed); 1 anything unexpected (a short message; the traceback only with SEASON_PLANNER_DEBUG=1).
Imports are deferred to the command that needs them so `--help` stays instant.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

# MAP_HELP and map_arg are re-exported: they were defined here before the arguments had their own module.
from core.cli.arguments import MAP_HELP as MAP_HELP
from core.cli.arguments import build_parser
from core.cli.arguments import map_arg as map_arg

EXIT_OK, EXIT_UNEXPECTED, EXIT_REJECTED = 0, 1, 2


class UsageError(Exception):
    """Bad command-line input detected before the service is called (exit 2)."""

    def __init__(self, messages: list[str] | str):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("; ".join(self.messages))


def column_map(args: argparse.Namespace) -> dict[str, str] | None:
    """--map read into {our column: theirs}; UsageError naming every bad entry."""
    text = getattr(args, "map", None)
    if text is None:
        return None
    from core.domain.errors import PlannerError
    from core.domain.ingest.mapping import parse_map_option

    try:
        return parse_map_option(text)
    except PlannerError as exc:
        raise UsageError(exc.messages) from None


# ------------------------------------------------------------------------------------------ helpers
def _emit(doc: Any, as_json: bool, text: str) -> None:
    from core.scrub import scrub

    if as_json:
        sys.stdout.write(scrub(json.dumps(doc, default=str, ensure_ascii=False)) + "\n")
    else:
        sys.stdout.write(scrub(text.rstrip()) + "\n")


def _read_file(path: str, what: str) -> bytes:
    from core.cli.files import read_input

    return read_input(path, what)  # size and file type checked before a byte is read


def _service(args: argparse.Namespace) -> Any:
    """The service for this command: steps run inline (the command waits for them), on Celery
    workers when SEASON_PLANNER_BROKER_URL is set, and are only queued with --no-wait."""
    from core.orchestrator.engine.executors import default_kind
    from core.orchestrator.service import PlannerService

    kind = default_kind("inline")
    if getattr(args, "no_wait", False) and kind == "inline":
        kind = "deferred"
    return PlannerService(args.db, executor=kind, **getattr(args, "service_options", {}))


def _settled(svc: Any, doc: Any, args: argparse.Namespace) -> Any:
    """With a background executor, wait for the step unless --no-wait."""
    if getattr(args, "no_wait", False) or svc.executor.name == "inline":
        return doc
    return svc.wait(doc.workflow_id)


def _dump(model: Any) -> Any:
    return model.model_dump(mode="json")


def _status_text(doc: Any) -> str:
    p = doc.parameters
    lines = [f"{doc.workflow_id}  {doc.category}  state: {doc.state}  (version {doc.version})",
             f"season {p['season_start']}..{p['season_end']} ({p['horizon_weeks']} weeks), replenishment "
             f"{p['replenishment']}, DC holdback {p['dc_holdback']:.0%}, safety stock {p['safety_stock']:.0%}, "
             f"markdown week {p['markdown_week'] if p['markdown_week'] is not None else 'none'}"]
    for note in doc.notes:
        lines.append(f"note: {note}")
    if doc.forecast:
        f = doc.forecast
        members = ", ".join(f"{k} {v:,.0f}" for k, v in f["members"].items())
        lines.append(f"forecast: {f['total']:,.0f} units (original {f['original_total']:,.0f}; {members})")
    if doc.order:
        o = doc.order
        approved = f"{o['approved']:,}" if o["approved"] is not None else "pending"
        lines.append(f"order: proposed {o['proposed']:,}, approved {approved}")
    for c in doc.clusters:
        lines.append(f"  cluster {c['name']}: {c['stores']} stores, share {c['share']:.1%}, {c['units']:,} units")
    if doc.dc_on_hand is not None and doc.allocation:
        lines.append(f"DC on hand: {doc.dc_on_hand:,} units")
    for w in doc.weeks:
        flags = (" re-forecast" if w["reforecast"] else "") + (" EMERGENCY" if w["emergency"] else "")
        lines.append(f"  week {w['week']:>2} {w['start']}: actual {w['actual']:,.0f} plan {w['plan']:,.0f} "
                     f"({w['variance']:+.1%}){flags}")
    if doc.markdown:
        m = doc.markdown
        lines.append(f"markdown (week {m['week']}): sell-through {m['sell_through']:.1%}, proposed "
                     f"{m['proposed']:.0%}, approved {'-' if m['approved'] is None else format(m['approved'], '.0%')}")
    for q in doc.queued_weeks:
        lines.append(f"queued: week {q.week} from {q.filename} ({q.total:,} units), applied once week "
                     f"{q.waits_for} is in")
    for s in doc.skipped:
        lines.append(f"skipped ({s['phase']}): {s['reason']}")
    for a in doc.alerts:
        lines.append(f"ALERT: {a['message']}")
    if doc.pending:
        pk = doc.pending
        value = f"{pk['proposal']:,} units" if pk["kind"] == "order" else f"{pk['proposal']:.0%}"
        lines.append(f"pending: {pk['kind']} approval #{pk['approval_id']}: {value} "
                     f"(python -m core decide {doc.workflow_id} --accept | --modify VALUE --reason TEXT)")
    if doc.last_error:
        lines.append(f"last error: {doc.last_error} (python -m core retry {doc.workflow_id})")
    lines.append(f"events: {doc.events}")
    return "\n".join(lines)


def _report_text(workflow_id: str, r: Any) -> str:
    def pct(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.1%}"

    lines = [f"season report for {workflow_id}" + (" (closed early)" if r.closed_early else ""),
             f"MAPE original {pct(r.mape.get('original'))}, final {pct(r.mape.get('final'))}",
             f"WAPE original {pct(r.wape.get('original'))}, final {pct(r.wape.get('final'))}",
             f"bias original {pct(r.bias.get('original'))}, final {pct(r.bias.get('final'))}",
             f"sell-through {pct(r.sell_through)}, overstock {r.overstock_units:,} units, stockout store-weeks "
             f"{r.stockout_store_weeks}", f"markdown units {r.markdown_units:,}, cost {r.markdown_cost:,.2f}",
             f"re-forecast weeks: {', '.join(map(str, r.reforecast_weeks)) or 'none'}",
             f"approvals: {r.approvals.get('accepted', 0)} accepted, {r.approvals.get('modified', 0)} modified",
             f"runtime {r.runtime_s:.1f} s"]
    for t in r.tuning:
        lines.append(f"tuning: {t.parameter} {t.current} -> {t.recommended}: {t.reason}")
    return "\n".join(lines)


def _report_doc(r: Any) -> dict[str, Any]:
    doc = _dump(r)
    # docs/planning-rules.md §8 lists reforecast_weeks and the accuracy figures by these names;
    # keep them at the top level.
    return doc


# ------------------------------------------------------------------------------------------ commands
def cmd_demo_data(args: argparse.Namespace) -> int:
    from core.demo import write_demo_data

    from core.cli.files import prepare_out_dir

    out = Path(args.out_dir)
    prepare_out_dir(out, args.force)
    try:
        written = write_demo_data(out)
    except OSError as exc:  # disk full, permissions changed meanwhile: what is there is incomplete
        raise UsageError(f"demo data could not be written to {out}: {exc.strerror or exc}; the files already "
                         "written there are incomplete") from None
    files = sorted(str(p) for p in written) if written else sorted(str(p) for p in out.rglob("*.csv"))
    _emit({"out_dir": str(out), "files": files}, args.json,
          f"demo data written to {out} ({len(files)} files)")
    return EXIT_OK


def cmd_forecast(args: argparse.Namespace) -> int:
    from core.domain.calendar import weekday_index
    from core.cli.forecast import forecast_document

    try:
        start = date.fromisoformat(args.start)
    except ValueError:
        raise UsageError(f"--start = {args.start!r} is not a date: use YYYY-MM-DD") from None
    from core.cli.files import check_input

    path = Path(args.history)
    check_input(args.history, "history")  # a FIFO, a folder or an oversize file said as such, nothing read
    notes: list[str] = []
    week_start = None if args.week_start is None else weekday_index(args.week_start, what="--week-start")
    doc = forecast_document(path, list(args.category), start, args.weeks, notes=notes, week_start=week_start,
                            fiscal=args.fiscal, mapping=column_map(args))
    for note in notes:  # stdout stays one JSON document; what the planner must be told goes to stderr
        sys.stderr.write(f"note: {note}\n")
    text = "\n".join(f"{cat}: {d['total']:,.0f} units over {len(d['weekly'])} weeks ("
                     + ", ".join(f"{k} {v:,.0f}" for k, v in d.get("members", {}).items()) + ")"
                     for cat, d in doc.items())
    _emit(doc, args.json, text)
    return EXIT_OK


def cmd_plan(args: argparse.Namespace) -> int:
    from core.cli.files import plan_inputs, remember_extraction

    args.column_map = column_map(args)
    plan = plan_inputs(args)  # files, parameters and feasibility: refused before anything is stored
    svc = _service(args)
    ds = svc.import_dataset(history=plan["history"], history_name=plan["history_name"], stores=plan["stores"],
                            stores_name=plan["stores_name"], week_start=plan["week_start"],
                            column_map=args.column_map)
    remember_extraction(svc, plan)
    notes = plan["notes"]
    doc = _settled(svc, svc.start_workflow(plan["values"], dataset_id=ds.id, source_text=plan["source_text"],
                                           by=args.by), args)
    for note in notes:
        sys.stderr.write(f"note: {note}\n")
    return _finish(doc, args)


def _finish(doc: Any, args: argparse.Namespace) -> int:
    _emit(_dump(doc), args.json, _status_text(doc))
    if doc.state == "needs_attention":
        from core.orchestrator.engine.retries import RETRY_WILL_NOT_HELP

        then = (f"close it: python -m core close {doc.workflow_id}" if RETRY_WILL_NOT_HELP in (doc.last_error or "")
                else f"fix the cause, then: python -m core retry {doc.workflow_id} (or close it)")
        sys.stderr.write(f"workflow {doc.workflow_id} needs attention: {doc.last_error}\n{then}\n")
        return EXIT_UNEXPECTED
    return EXIT_OK


def _existing_service(args: argparse.Namespace) -> Any:
    """The service on a database that exists: a mistyped --db path is refused, not created empty."""
    from core.cli.files import refuse_missing_database

    refuse_missing_database(args.db, args.workflow)
    return _service(args)


def cmd_status(args: argparse.Namespace) -> int:
    """A read: shows the workflow whatever the broker's state; runs, sends and writes nothing."""
    svc = _existing_service(args)
    doc = svc.status(args.workflow)
    _emit(_dump(doc), args.json, _status_text(doc))
    for note in svc.step_notes(args.workflow, doc):
        sys.stderr.write(f"note: {note}\n")
    return EXIT_OK


def cmd_decide(args: argparse.Namespace) -> int:
    from core.cli.files import decision_value

    value = decision_value(args.modify)
    svc = _existing_service(args)
    svc.settle(args.workflow)  # a step queued by an earlier --no-wait runs (or is waited for) first
    doc = svc.decide(args.workflow, accept=bool(args.accept), value=value, reason=args.reason, by=args.by)
    return _finish(_settled(svc, doc, args), args)


def cmd_actuals(args: argparse.Namespace) -> int:
    data = _read_file(args.csv, "actuals")
    svc = _existing_service(args)
    svc.settle(args.workflow)  # e.g. the allocation `decide --no-wait` queued: the season starts first
    doc = svc.upload_actuals(args.workflow, data, Path(args.csv).name, replace=args.replace,
                             confirm_missing_as_zero=args.confirm_missing, confirm_partial_week=args.partial,
                             by=args.by)
    return _finish(_settled(svc, doc, args), args)


def cmd_close(args: argparse.Namespace) -> int:
    svc = _existing_service(args)
    svc.settle(args.workflow)
    return _finish(_settled(svc, svc.close_season(args.workflow, by=args.by), args), args)


def cmd_retry(args: argparse.Namespace) -> int:
    svc = _existing_service(args)
    return _finish(_settled(svc, svc.retry(args.workflow), args), args)


def cmd_worker(args: argparse.Namespace) -> int:
    from core.config import resolve_db_url
    from core.orchestrator.engine.executors import BROKER_ENV
    from core.orchestrator.worker import run_worker

    broker = os.environ.get(BROKER_ENV)
    if not broker:
        raise UsageError(f"worker needs a broker: set {BROKER_ENV} (e.g. redis://127.0.0.1:6379/0)")
    run_worker(broker, concurrency=args.concurrency, db_url=resolve_db_url(args.db), loglevel=args.loglevel)
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    report = _existing_service(args).checked_report(args.workflow)  # tuning advice checked by replaying the season
    _emit(_report_doc(report), args.json, _report_text(args.workflow, report))
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from core.cli.files import check_db_value, missing_sqlite_file

    check_db_value(args.db)
    # Listing a database that does not exist shows nothing and creates nothing.
    rows = [] if missing_sqlite_file(args.db) is not None else _service(args).list_workflows()
    docs = [_dump(r) for r in rows]
    text = "\n".join(f"{r.workflow_id}  {r.category:<20} {r.state:<27} week {r.weeks_done}/{r.horizon_weeks}  "
                     f"updated {r.updated_at.isoformat(timespec='seconds')}" for r in rows) or "no workflows"
    _emit(docs, args.json, text)
    return EXIT_OK


def cmd_bench(args: argparse.Namespace) -> int:
    try:
        from core.bench.runner import main as bench_main
    except ImportError as exc:
        missing = getattr(exc, "name", "") or ""
        if missing.startswith("core.bench"):
            sys.stderr.write("bench is not available in this installation: core.bench.runner is missing\n")
            return EXIT_REJECTED
        raise
    argv = (["--json"] if args.json else []) + [a for a in args.extra if a not in ("--json", "--")]
    result = bench_main(argv)
    return int(result or 0)


def cmd_compare(args: argparse.Namespace) -> int:
    from core.cli.compare import run_command

    args.column_map = column_map(args)
    return run_command(args, _emit)


def _errors(messages: list[str]) -> None:
    from core.scrub import scrub

    for m in messages:
        sys.stderr.write(f"error: {scrub(m)}\n")


COMMANDS = {
    "demo-data": cmd_demo_data, "forecast": cmd_forecast, "plan": cmd_plan, "status": cmd_status,
    "decide": cmd_decide, "actuals": cmd_actuals, "close": cmd_close, "report": cmd_report, "list": cmd_list,
    "retry": cmd_retry, "bench": cmd_bench, "compare": cmd_compare, "worker": cmd_worker,
}


def main(argv: list[str] | None = None, *, service_options: dict[str, Any] | None = None) -> int:
    """Run one command. `service_options` go to PlannerService (tests inject step hooks this way)."""
    from core.scrub import install_log_scrubber

    install_log_scrubber()  # no key or password reaches a log line from this process
    parser = build_parser()
    # Only `bench` passes unknown options on (to its runner); every other command rejects them.
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "bench":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    args.service_options = dict(service_options or {})
    from core.config import debug_enabled

    try:
        return COMMANDS[args.command](args)
    except UsageError as exc:
        _errors(exc.messages)
        return EXIT_REJECTED
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except Exception as exc:
        from core.domain.errors import PlannerError

        if isinstance(exc, PlannerError):
            _errors(exc.messages)
            return EXIT_REJECTED
        from core.domain.errors import StoredButNotFinished

        if isinstance(exc, StoredButNotFinished):  # something WAS stored: not exit 2 ("nothing changed")
            _errors(exc.messages)
            return EXIT_UNEXPECTED
        if debug_enabled():
            raise
        from core.scrub import scrub

        first = scrub(str(exc).strip().splitlines()[0]) if str(exc).strip() else ""
        sys.stderr.write(f"unexpected error: {type(exc).__name__}" + (f": {first}" if first else "") +
                         " (set SEASON_PLANNER_DEBUG=1 for the traceback)\n")
        return EXIT_UNEXPECTED
