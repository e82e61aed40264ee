"""`python -m core forecast`: the engine alone, no database (SPEC section 8)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from core.domain.errors import PlannerError


def forecast_document(history_csv: Path, categories: list[str], start: date, weeks: int) -> dict:
    """{category: {total, members, weekly: [{week, start, plan, lo, hi}]}}; PlannerError on bad input."""
    from core.domain.forecast import category_weekly_series, forecast_season
    from core.domain.ingest import parse_history

    if not 1 <= weeks <= 52:
        raise PlannerError(f"--weeks = {weeks} is out of range: allowed 1..52")
    history_csv = Path(history_csv)
    try:
        data = history_csv.read_bytes()
    except OSError as exc:
        raise PlannerError(f"--history {history_csv}: cannot read the file ({exc.strerror})") from None
    upload = parse_history(data, history_csv.name)
    known = sorted(upload.frame["category"].astype(str).unique())
    wanted = known if [c.strip().lower() for c in categories] == ["all"] else list(dict.fromkeys(categories))
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise PlannerError(
            [f"--category {c!r} is not in {history_csv.name}: allowed {', '.join(known)} or all" for c in unknown]
        )
    document: dict = {}
    for category in wanted:
        series = category_weekly_series(upload.frame, category)
        try:
            fc = forecast_season(series.values, season_start=start, horizon_weeks=weeks, category=category,
                                 backtest=False)  # the JSON contract (SPEC 8) has no backtest
        except ValueError as exc:
            raise PlannerError(f"--category {category!r}: {exc}") from None
        document[category] = {
            "total": round(fc.total, 1),
            "members": {name: round(total, 1) for name, total in fc.members.items()},
            "weekly": [
                {"week": w.week, "start": w.start.isoformat(), "plan": round(w.plan, 1), "lo": round(w.lo, 1), "hi": round(w.hi, 1)}
                for w in fc.weeks
            ],
        }
    return document
