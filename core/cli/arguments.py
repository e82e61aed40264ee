"""The command line's arguments: one function per command adds its sub-parser.

Only argparse is imported here, so `python -m core --help` stays instant (no pandas, no pydantic).
"""

from __future__ import annotations

import argparse
from typing import Any

MAP_HELP = ("read files with your own column names, OUR=THEIRS pairs: date=week_start,store_id=shop,"
            "category=dept,quantity_sold=qty (our columns: date, store_id, category, quantity_sold, revenue and the "
            "stores attributes)")

# The sub-parsers' collection (argparse's private _SubParsersAction).
SubParsers = Any


def map_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--map", metavar="OUR=THEIRS,...", help=MAP_HELP)


def db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", help="SQLite file path or SQLAlchemy URL (default: $DATABASE_URL, else "
                                "var/season_planner.db)")


def json_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def no_wait_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-wait", action="store_true",
                   help="queue the step and print the status at once (a worker, the dashboard or the next "
                        "command runs it)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m core",
        description="Season Planner: forecast, order, allocate, track weekly actuals, mark down, review.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _demo_data_args(sub)
    _forecast_args(sub)
    _plan_args(sub)
    _status_args(sub)
    _decide_args(sub)
    _actuals_args(sub)
    _close_args(sub)
    _report_args(sub)
    _retry_args(sub)
    _list_args(sub)
    from core.cli.compare import add_parser as add_compare_parser

    add_compare_parser(sub)
    _worker_args(sub)
    _bench_args(sub)
    return parser


def _demo_data_args(sub: SubParsers) -> None:
    p = sub.add_parser("demo-data", help="write the built-in demo data (history, stores, scenario actuals)")
    p.add_argument("out_dir", metavar="OUT_DIR")
    p.add_argument("--force", action="store_true", help="write into OUT_DIR even if it holds files (overwriting them)")
    json_arg(p)


def _forecast_args(sub: SubParsers) -> None:
    p = sub.add_parser("forecast", help="forecast categories from a history CSV (engine only, no database)")
    p.add_argument("--history", required=True, metavar="CSV")
    map_arg(p)
    p.add_argument("--category", required=True, action="append", metavar="NAME",
                   help="category to forecast; repeat for several, or 'all'")
    p.add_argument("--start", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--weeks", required=True, type=int, metavar="N")
    p.add_argument("--week-start", metavar="DAY",
                   help="weekday the weeks start on (monday .. sunday); default: detected from weekly "
                        "history dates, else monday")
    p.add_argument("--fiscal", choices=["nrf-4-5-4"], help="add each week's fiscal label (NRF 4-5-4 calendar)")
    json_arg(p)


def _plan_args(sub: SubParsers) -> None:
    p = sub.add_parser("plan", help="create a workflow and run it to its first approval gate")
    db_arg(p)
    p.add_argument("--history", required=True, metavar="CSV")
    p.add_argument("--stores", required=True, metavar="CSV")
    map_arg(p)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--params", metavar="FILE.json", help="SeasonParameters as a JSON object")
    src.add_argument("--text", metavar="TEXT", help="the season described in plain language")
    p.add_argument("--category", metavar="NAME", help="category (overrides the parameters / text)")
    p.add_argument("--week-start", metavar="DAY",
                   help="weekday the data's weeks start on (monday .. sunday); default: detected from weekly "
                        "history dates, else monday")
    p.add_argument("--by", default="planner", metavar="NAME")
    no_wait_arg(p)
    json_arg(p)


def _status_args(sub: SubParsers) -> None:
    p = sub.add_parser("status", help="the status document of a workflow")
    p.add_argument("workflow", metavar="WF")
    db_arg(p)
    json_arg(p)


def _decide_args(sub: SubParsers) -> None:
    p = sub.add_parser("decide", help="decide the pending approval (order quantity or markdown depth)")
    p.add_argument("workflow", metavar="WF")
    db_arg(p)
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--accept", action="store_true", help="accept the proposal as it is")
    how.add_argument("--modify", metavar="VALUE",
                     help="new order quantity (units) or markdown depth (0.2 = 20%%); needs --reason")
    p.add_argument("--reason", metavar="TEXT")
    p.add_argument("--by", default="planner", metavar="NAME")
    no_wait_arg(p)
    json_arg(p)


def _actuals_args(sub: SubParsers) -> None:
    p = sub.add_parser("actuals", help="upload one week of actual sales")
    p.add_argument("workflow", metavar="WF")
    p.add_argument("csv", metavar="CSV")
    db_arg(p)
    p.add_argument("--replace", action="store_true", help="replace a week already stored (the old one is kept)")
    p.add_argument("--confirm-missing", action="store_true",
                   help="count stores without rows in the file as zero sales")
    p.add_argument("--partial", action="store_true",
                   help="store a file lacking whole days of its week as a partial week (compared with the plan "
                        "for its days; the full week can replace it later)")
    p.add_argument("--by", default="planner", metavar="NAME")
    no_wait_arg(p)
    json_arg(p)


def _close_args(sub: SubParsers) -> None:
    p = sub.add_parser("close", help="end the season early and write the report")
    p.add_argument("workflow", metavar="WF")
    db_arg(p)
    p.add_argument("--by", default="planner", metavar="NAME")
    no_wait_arg(p)
    json_arg(p)


def _report_args(sub: SubParsers) -> None:
    p = sub.add_parser("report", help="the season report of a closed workflow")
    p.add_argument("workflow", metavar="WF")
    db_arg(p)
    json_arg(p)


def _retry_args(sub: SubParsers) -> None:
    p = sub.add_parser("retry", help="retry the failed step of a workflow that needs attention")
    p.add_argument("workflow", metavar="WF")
    db_arg(p)
    no_wait_arg(p)
    json_arg(p)


def _list_args(sub: SubParsers) -> None:
    p = sub.add_parser("list", help="the workflows in the database")
    db_arg(p)
    json_arg(p)


def _worker_args(sub: SubParsers) -> None:
    p = sub.add_parser("worker", help="a Celery worker running the steps (needs SEASON_PLANNER_BROKER_URL)")
    db_arg(p)
    p.add_argument("--concurrency", type=int, default=1, metavar="N",
                   help="steps at once in this worker (1: one process; more: a pool of processes)")
    p.add_argument("--loglevel", default="INFO", metavar="LEVEL")


def _bench_args(sub: SubParsers) -> None:
    # No help of its own: -h/--help goes on to the runner, which lists its real options.
    p = sub.add_parser("bench", add_help=False,
                       help="the performance and accuracy figures of docs/planning-rules.md §9 "
                            "(python -m core bench --help lists its options)")
    json_arg(p)
