"""What the CLI checks about its files, folders and database before anything is read or stored.

- An input file is stat'ed first: a directory, a named pipe (FIFO) or a device is named as such,
  and a file over its kind's limit is refused from its size, before a byte is read (a 6 GB file
  used to be read whole, 6.4 GB of memory, and only then refused).
- A --db value that looks like a mistyped URL is refused instead of becoming a folder tree, and a
  SQLite file that does not exist is not created by a command that only reads or acts on a workflow.
- demo-data writes only into a new or empty folder, unless --force.
- plan validates everything (files, parameters, feasibility) before the dataset is stored.
Every refusal is a CliRefusal: exit 2, the reasons on stderr, nothing changed.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

from core.domain.errors import PlannerError
from core.scrub import scrub

MB = 1024 * 1024
PARAMS_MAX_BYTES = 1 * MB
_URL_LIKE = re.compile(r"(?i)^(sqlite|postgres(ql)?|mysql|mariadb|oracle|mssql|cockroachdb)[a-z0-9+_]*(:|//|/)")


class CliRefusal(PlannerError):
    """Bad command-line input found before the service is called (exit 2, nothing changed)."""


def limit_for(kind: str) -> int:
    """A history is read by path in chunks: its limit is the file cap (SEASON_PLANNER_MAX_HISTORY_MB
    sets another), not the browser's."""
    from core.domain.ingest import limits

    return {"history": limits.history_file_limit(), "stores": limits.MAX_STORES_BYTES,
            "actuals": limits.MAX_ACTUALS_BYTES}.get(kind, PARAMS_MAX_BYTES)


def _not_a_file(path: str, mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return f"{path} is a directory, not a file"
    if stat.S_ISFIFO(mode):
        return f"{path} is a named pipe (FIFO), not a regular file; save the data to a file and give its path"
    if stat.S_ISSOCK(mode):
        return f"{path} is a socket, not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return f"{path} is a device, not a regular file"
    return f"{path} is not a regular file"


def check_input(path: str, what: str, kind: str | None = None) -> int:
    """The size limit of a regular file that exists and is within it; CliRefusal saying what is wrong."""
    limit = limit_for(kind or what)
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise CliRefusal(f"{what} file not found: {path}") from None
    except OSError as exc:
        raise CliRefusal(f"{what} file {path} cannot be read: {exc.strerror}") from None
    problem = _not_a_file(path, info.st_mode)
    if problem:
        raise CliRefusal(f"{what} file {problem}")
    if info.st_size > limit:
        raise CliRefusal(_too_big(path, what, info.st_size, limit))
    return limit


def read_input(path: str, what: str, kind: str | None = None) -> bytes:
    """The bytes of a regular file within its kind's size limit; CliRefusal saying what is wrong."""
    limit = check_input(path, what, kind)
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)  # never more than the limit, even if the file grows meanwhile
    except OSError as exc:
        raise CliRefusal(f"{what} file {path} cannot be read: {exc.strerror}") from None
    if len(data) > limit:
        raise CliRefusal(_too_big(path, what, len(data), limit))
    return data


def _too_big(path: str, what: str, size: int, limit: int) -> str:
    return (f"{Path(path).name}: the file is {size:,} bytes ({size / MB:.1f} MB); the limit for {what} files is "
            f"{limit:,} bytes ({limit / MB:.0f} MB)")


# ------------------------------------------------------------------------------------------ database
def check_db_value(db: str | None) -> None:
    """Refuse a --db that is neither a URL nor a plain path (postgresql//u:pw@host), password scrubbed."""
    if db and "://" not in db and _URL_LIKE.match(db):
        raise CliRefusal(scrub(f"--db {db} looks like a database URL but is not one: write it as "
                               "dialect+driver://user@host/database, or give a SQLite file path"))


def missing_sqlite_file(db: str | None) -> Path | None:
    """The SQLite file --db (or the environment) names, when it does not exist yet; else None."""
    from core.config import resolve_db_url
    from core.db.engine import sqlite_file

    path = sqlite_file(resolve_db_url(db))
    if path is None or path.exists():
        return None
    blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise CliRefusal(f"database path {path} cannot be used: {blocker} is a file, not a folder")
    return path


def refuse_missing_database(db: str | None, workflow: str) -> None:
    """A command about one workflow never creates an empty database at a mistyped path."""
    check_db_value(db)
    path = missing_sqlite_file(db)
    if path is not None:
        raise CliRefusal(f"workflow {workflow!r} not found: the database {path} does not exist (check --db; "
                         "only `plan` creates a database)")


# ------------------------------------------------------------------------------------------ demo-data
def prepare_out_dir(out: Path, force: bool) -> None:
    """OUT_DIR must be a folder that can be written and holds no files (or --force)."""
    blocker = next((p for p in (out, *out.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise CliRefusal(f"OUT_DIR {out}: {blocker} is a file, not a folder")
    existing = next((p for p in (out, *out.parents) if p.exists()), None)
    if existing is not None and not os.access(existing, os.W_OK | os.X_OK):
        raise CliRefusal(f"OUT_DIR {out}: the folder {existing} is not writable")
    if out.is_dir() and not force:
        present = [p for p in out.rglob("*") if p.is_file()]
        if present:
            raise CliRefusal(f"OUT_DIR {out} is not empty ({len(present)} files, e.g. {present[0].name}); demo-data "
                             "would overwrite them: choose a new folder, or add --force")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliRefusal(f"OUT_DIR {out} cannot be created: {exc.strerror}") from None


# ------------------------------------------------------------------------------------------ plan
def plan_inputs(args: Any, llm_settings: Any = None) -> dict[str, Any]:
    """Read and validate everything `plan` needs, storing nothing.

    Returns the history's path and the stores' bytes, the parameter values (n_clusters possibly capped), the notes
    to print, the source text and the extraction (when --text was given).
    """
    import json

    from core.domain.calendar import WEEKDAYS, weekday_index
    from core.domain.feasibility import check_feasibility
    from core.domain.ingest import parse_dataset
    from core.domain.params import make_parameters

    check_db_value(getattr(args, "db", None))
    given = getattr(args, "week_start", None)
    day = None if given is None else weekday_index(given, what="--week-start")
    check_input(args.history, "history")  # sized from the file system; then read in chunks, never whole
    history = Path(args.history)
    stores = read_input(args.stores, "stores")
    raw_params = read_input(args.params, "parameters") if args.params else None
    hname, sname = Path(args.history).name, Path(args.stores).name
    hist, st = parse_dataset(history, hname, stores, sname, week_start=day, mapping=getattr(args, "column_map", None),
                             max_history_bytes=limit_for("history"))
    unknown = sorted(set(hist.stores) - set(st.store_ids))
    if unknown:  # refused here, before a database (file) is created or opened
        shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
        raise CliRefusal(f"{hname}: stores not in {sname}: {shown}")
    # What reading the files changed (weekly rows counted in another week start, absent columns): said.
    notes: list[str] = [f"{hname}: {w}" for w in hist.warnings] + [f"{sname}: {w}" for w in st.warnings]
    extraction = None
    if raw_params is not None:
        try:
            values = json.loads(raw_params.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CliRefusal(f"{args.params} is not valid JSON: {exc}") from None
        if not isinstance(values, dict):
            raise CliRefusal(f"{args.params} must hold a JSON object of SeasonParameters fields")
    else:
        from core.agents import extract_parameters

        extraction = extract_parameters(args.text, categories=_categories(hist.frame),
                                        history_end=hist.frame["week_start"].max().date(), settings=llm_settings)
        values = dict(extraction.values)
        notes += list(extraction.notes) + [f"check: {f}" for f in extraction.flagged]
    if args.category:
        values["category"] = args.category
    # The season runs on the weeks the history is summed into (the service sets the same day).
    feasible = check_feasibility(make_parameters({**values, "week_start": WEEKDAYS[hist.week_start]}),
                                 hist.frame, st.frame)
    # The values as given (the service validates them again the same way), n_clusters as capped.
    values["n_clusters"] = feasible.parameters.n_clusters
    return {"history": history, "stores": stores, "history_name": hname, "stores_name": sname,
            "values": values, "notes": notes + feasible.notes, "week_start": day,
            "source_text": None if raw_params is not None else args.text, "extraction": extraction}


def _categories(frame: Any) -> list[str]:
    """Categories by total units, largest first (as the stored dataset lists them)."""
    from core.domain.categories import categories_by_sales

    return list(categories_by_sales(frame))


def remember_extraction(svc: Any, plan: dict[str, Any]) -> None:
    """What svc.extract_parameters records, so start_workflow logs an LLM fallback as it always did."""
    if plan["extraction"] is None:
        return
    from core.orchestrator.commands.labels import clean_text
    from core.orchestrator.commands.llm_events import EXTRACTIONS, extraction_fallback

    cleaned = clean_text(plan["source_text"])
    if cleaned is not None:
        EXTRACTIONS.put((svc.db_url, cleaned), extraction_fallback(plan["extraction"]))


# ------------------------------------------------------------------------------------------ decide
def decision_value(text: str | None) -> int | float | None:
    """--modify read exactly (an integer stays an int: 9007199254740993 is not rounded to ...992);
    the service bounds it for the pending approval's kind (core/domain/quantities.py)."""
    from core.domain.quantities import read_number

    return None if text is None else read_number(text, what="--modify")
