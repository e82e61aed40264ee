"""The scenario lab's comparisons as a library: parameter files on given data, or a workflow's own season.

The command line (`python -m core compare`, core/cli/compare.py) and the service call these; they
raise PlannerError naming every problem (a file, a field, a replay start without enough history) and
store nothing: storing is the caller's unit of work.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.domain.errors import PlannerError

if TYPE_CHECKING:
    import numpy as np

    from core.domain.simulation import ParameterSet

Progress = Callable[[int, int], None]
DEFAULT_PATHS = 200  # core.domain.simulation.DEFAULT_PATHS (a test keeps them equal)


MAX_JSON_BYTES = 1024 * 1024  # a parameter file is a few hundred bytes


def checked_size(path: str, what: str, limit: int) -> Path:
    """The path of a regular file within `limit` bytes, from its size alone (nothing is read)."""
    p = Path(path)
    try:
        info = p.stat()
    except OSError:
        raise PlannerError(f"{path}: {what} file not found") from None
    if not p.is_file():
        raise PlannerError(f"{path}: {what} file is not a regular file")
    if info.st_size > limit:
        raise PlannerError(f"{path}: the {what} file is {info.st_size:,} bytes; the limit is {limit:,} bytes")
    return p


def read_json_file(path: str, what: str = "parameters") -> Any:
    p = checked_size(path, what, MAX_JSON_BYTES)
    try:
        return json.loads(p.read_bytes()[:MAX_JSON_BYTES + 1].decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PlannerError(f"{path}: not valid JSON ({exc})") from None
    except RecursionError:
        raise PlannerError(f"{path}: the JSON is nested too deeply; a parameter file is one flat object") from None
    except OSError as exc:
        raise PlannerError(f"{path}: cannot be read ({exc.strerror})") from None


def read_files(paths: list[str]) -> list[tuple[str, Any]]:
    """(path, JSON) of each file; every unreadable one reported at once."""
    out, problems = [], []
    for path in paths:
        try:
            out.append((path, read_json_file(path)))
        except PlannerError as exc:
            problems.extend(exc.messages)
    if problems:
        raise PlannerError(problems)
    return out


def load_sets(files: list[str], *, defaults: dict[str, Any], categories: list[str], history_name: str,
              override: dict[str, Any] | None = None) -> list[ParameterSet]:
    """Every file validated (`override` replaces what a file says, e.g. the replay start); all problems
    of all files in one PlannerError."""
    from core.domain.simulation import parameter_set

    problems: list[str] = []
    sets: list[ParameterSet] = []
    for path in files:
        try:
            data = read_json_file(path)
            if isinstance(data, dict):
                data = {**data, **(override or {})}
                value = data.get("category", defaults.get("category"))
                if value not in categories:
                    problems.append(f"{path}: category = {value!r} is not in {history_name}: allowed "
                                    f"{', '.join(categories)}")
            sets.append(parameter_set(data, source=path, default_name=Path(path).stem, defaults=defaults))
        except PlannerError as exc:
            problems.extend(exc.messages)
    if problems:
        raise PlannerError(problems)
    return sets


def _frames(history_csv: str, stores_csv: str, mapping: dict[str, str] | None = None) -> tuple[Any, Any]:
    from core.domain.ingest import parse_history, parse_stores

    from core.domain.ingest import limits

    def read(path: str, what: str) -> bytes:
        # Sized before a byte is read: a 3 GB file is refused from its size, not after filling memory.
        return checked_size(path, what, limits.MAX_STORES_BYTES).read_bytes()

    # The history is read by path in chunks (sized first, the file cap): never whole.
    limit = limits.history_file_limit()
    history = parse_history(checked_size(history_csv, "history", limit), Path(history_csv).name, mapping=mapping,
                            max_bytes=limit).frame
    stores = parse_stores(read(stores_csv, "stores"), Path(stores_csv).name, mapping=mapping).frame
    return history, stores


def _dates(values: list[str]) -> list[date]:
    out, bad = [], []
    for v in values:
        try:
            d = date.fromisoformat(v)
            out.append(d)
        except ValueError:
            bad.append(f"--replay {v!r} is not a date: use YYYY-MM-DD")
    if bad:
        raise PlannerError(bad)
    return out


def files_comparison(*, history_csv: str, stores_csv: str, params: list[str], replay: list[str] | None,
                     monte_carlo: int | None, seed: int, notes: list[str], executor: Any = None,
                     progress: Progress | None = None, mapping: dict[str, str] | None = None
                     ) -> tuple[dict[str, Any], dict[str, Any]]:
    """(document, inputs) of the first form; `mapping` {our column: theirs} reads both files."""
    import pandas as pd

    from core.domain.calendar import WEEKDAYS, start_of_week, weekday_name
    from core.lab.runner import DemandSpec, compare
    from core.domain.categories import categories_by_sales

    if not 2 <= len(params) <= 8:
        raise PlannerError(f"{len(params)} --params files given: a comparison takes 2 to 8")
    history, stores = _frames(history_csv, stores_csv, mapping)
    categories = categories_by_sales(history)
    # The history's own weeks (Saturday weeks stay Saturday weeks): replays start on its week's first day.
    first_day = int(pd.Timestamp(history["week_start"].iloc[0]).weekday()) if len(history) else 0
    starts = [start_of_week(d, first_day) for d in _dates(replay or [])]
    defaults: dict[str, Any] = {"category": categories[0], "week_start": WEEKDAYS[first_day]}
    if starts:
        defaults["season_start"] = starts[0].isoformat()
        day = weekday_name(first_day)
        for d, raw in zip(starts, replay or []):
            if d.isoformat() != raw:
                notes.append(f"--replay {raw} is not a {day}, the first day of the history's weeks: the season "
                             f"starts on {day} {d.isoformat()}")
    override = {"season_start": starts[0].isoformat()} if starts else None
    sets = load_sets(params, defaults=defaults, categories=categories, history_name=Path(history_csv).name,
                     override=override)
    if starts:
        for src in params:
            data = read_json_file(src)
            if isinstance(data, dict) and "season_start" in data and str(data["season_start"]) != starts[0].isoformat():
                notes.append(f"{src}: season_start {data['season_start']} is replaced by the replay start")
        spec = DemandSpec("replay", starts=starts, seed=seed)
    else:
        spec = DemandSpec("monte-carlo", paths=monte_carlo or DEFAULT_PATHS, seed=seed)
    doc = compare(history, stores, sets, spec, sources=params, executor=executor, progress=progress)
    inputs = {"history": Path(history_csv).name, "stores": Path(stores_csv).name, "files": params,
              "sets": [s.label() for s in sets], "source": spec.source,
              "replay": [d.isoformat() for d in starts], "paths": spec.paths, "seed": seed}
    return doc, inputs


# ------------------------------------------------------------------------------ a workflow's own data
def workflow_sets(status: dict[str, Any], alternatives: list[tuple[str, Any]]) -> list[ParameterSet]:
    """The workflow's set ("current": its decided order and markdown) and the alternatives, each given as
    (source, data) where data holds only the fields it changes (a file's JSON, or a page's row)."""
    from core.domain.params import SeasonParameters
    from core.domain.simulation import parameter_set

    fields = set(SeasonParameters.model_fields) - {"season_start_requested"}
    base = {k: v for k, v in status["parameters"].items() if k in fields}
    current: dict[str, Any] = {**base, "name": "current"}
    order = status.get("order") or {}
    if order.get("approved"):
        current["order_qty"] = int(order["approved"])
    md = status.get("markdown") or {}
    if md.get("approved") is not None and (md.get("proposed") or 0) > 0:
        current["markdown_depth"] = float(md["approved"])
    sets = [parameter_set(current, source=f"workflow {status['workflow_id']}")]
    if not 1 <= len(alternatives) <= 7:
        raise PlannerError(f"{len(alternatives)} alternatives given: the workflow's set plus 1 to 7 alternatives")
    problems: list[str] = []
    for source, data in alternatives:
        try:
            if isinstance(data, dict):
                clash = [k for k in ("category", "season_start", "horizon_weeks")
                         if k in data and str(data[k]) != str(base[k])]
                if clash:
                    raise PlannerError([f"{source}: {k} = {data[k]} differs from the workflow's {base[k]}: an "
                                        "alternative plays the workflow's season" for k in clash])
            sets.append(parameter_set(data, source=source, default_name=Path(source).stem, defaults=base))
        except PlannerError as exc:
            problems.extend(exc.messages)
    if problems:
        raise PlannerError(problems)
    return sets


def observed_demand(status: dict[str, Any], store_ids: list[str]) -> np.ndarray | None:
    """The workflow's store-week actuals at full price (weeks after a markdown divided by its lift),
    or None until every week of the season is in."""
    import numpy as np

    from core.domain.forecast import markdown_multiplier

    p = status["parameters"]
    h = int(p["horizon_weeks"])
    if int(status.get("weeks_done") or 0) < h:
        return None
    index = {sid: k for k, sid in enumerate(store_ids)}
    units = np.zeros((len(store_ids), h))
    for row in status.get("store_weeks") or []:
        if row["store_id"] in index and 1 <= row["week"] <= h:
            units[index[row["store_id"]], row["week"] - 1] = float(row["actual"])
    md = status.get("markdown") or {}
    if md.get("approved") and md["approved"] > 0 and md.get("week") and md["week"] < h:
        units[:, md["week"]:] /= markdown_multiplier(float(md["approved"]), float(p["price_elasticity"]))
    return units


def workflow_comparison(svc: Any, workflow_id: str, alternatives: list[tuple[str, Any]], *, monte_carlo: int | None,
                        seed: int, executor: Any = None, progress: Progress | None = None
                        ) -> tuple[dict[str, Any], dict[str, Any]]:
    """(document, inputs) of a workflow's own comparison; `alternatives` as in workflow_sets."""
    from core.lab.runner import DemandSpec, compare

    status = svc.status(workflow_id).model_dump(mode="json")
    sets = workflow_sets(status, alternatives)
    frames = svc.dataset_frames(status["dataset_id"])
    ids = frames.stores["store_id"].astype(str).tolist()
    observed = None if monte_carlo else observed_demand(status, ids)
    if observed is not None:
        spec = DemandSpec("observed", observed=observed, seed=seed, label=f"workflow {workflow_id} actuals")
    else:
        spec = DemandSpec("monte-carlo", paths=monte_carlo or DEFAULT_PATHS, seed=seed)
    doc = compare(frames.history, frames.stores, sets, spec, sources=[s.name for s in sets], executor=executor,
                  progress=progress)
    inputs = {"workflow_id": workflow_id, "dataset_id": status["dataset_id"],
              "files": [src for src, _ in alternatives], "sets": [s.label() for s in sets], "source": spec.source,
              "paths": spec.paths, "seed": seed}
    return doc, inputs
