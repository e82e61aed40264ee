"""`python -m core forecast`: the engine alone, no database (docs/planning-rules.md §8)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from core.domain.errors import PlannerError


def forecast_document(history_csv: Path, categories: list[str], start: date, weeks: int,
                      notes: list[str] | None = None, week_start: int | None = None,
                      fiscal: str | None = None, mapping: dict[str, str] | None = None) -> dict:
    """{category: {total, members, weights, backtest, weekly: [{week, start, plan, lo, hi}]}}; PlannerError on
    bad input.

    `members` {member: season total} as docs/planning-rules.md §8; `weights` {member: weight in the plan};
    `backtest` {"ensemble" | member: {wape, mape, bias, weeks, origin}}, the held-out last weeks of
    the history (empty when the history is too short to hold weeks out).

    Weeks start on weekday `week_start` (Monday = 0); None detects it from the history (weekly rows
    all dated on one weekday), else Monday. What the planner should be told but the docs/planning-rules.md §8 document
    has no field for (the calendar detected, the start moved to its week's first day, data warnings,
    model fallbacks) is appended to `notes` when a list is given. `fiscal` ('nrf-4-5-4') adds each
    week's fiscal label (core/domain/fiscal.py) as "fiscal" to its row."""
    from core.domain.calendar import week_span, weekday_name
    from core.domain.fiscal import CALENDARS, fiscal_label
    from core.domain.forecast import category_weekly_series, forecast_season, store_category_panel
    from core.domain.ingest import parse_history

    told: list[str] = [] if notes is None else notes

    def tell(category: str, message: str) -> None:
        line = message if message.startswith(category) else f"{category}: {message}"
        if line not in told:
            told.append(line)

    if fiscal is not None and fiscal not in CALENDARS:
        raise PlannerError(f"--fiscal = {fiscal!r} is not a fiscal calendar: allowed {', '.join(CALENDARS)}")
    if not 1 <= weeks <= 52:
        raise PlannerError(f"--weeks = {weeks} is out of range: allowed 1..52")
    from core.cli.files import limit_for

    history_csv = Path(history_csv)
    try:  # read in chunks by the parser; never whole
        upload = parse_history(history_csv, history_csv.name, week_start=week_start, mapping=mapping,
                               max_bytes=limit_for("history"))
    except OSError as exc:
        raise PlannerError(f"--history {history_csv}: cannot read the file ({exc.strerror})") from None
    if week_start is None and upload.week_start != 0:
        told.append(f"weeks run {week_span(upload.week_start)}: every weekly row of {history_csv.name} is dated "
                    f"on a {weekday_name(upload.week_start)} (--week-start chooses another day)")
    for warning in upload.warnings:  # weekly rows counted in another week start: said, never silent
        if warning.startswith("weekly rows are dated on") and warning not in told:
            told.append(f"{history_csv.name}: {warning}")
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
        for w in series.warnings:
            tell(category, w)
        try:
            fc = forecast_season(series.values, season_start=start, horizon_weeks=weeks, category=category,
                                 panel=store_category_panel(upload.frame, category))
        except ValueError as exc:
            raise PlannerError(f"--category {category!r}: {exc}") from None
        for w in fc.warnings:
            tell(category, w)
        document[category] = {
            "total": round(fc.total, 1),
            "members": {name: round(total, 1) for name, total in fc.members.items()},
            # Beside the docs/planning-rules.md §8 keys: each member's weight in the plan and the held-out error of the
            # ensemble and of each member (docs/forecasting.md, Backtest).
            "weights": {name: round(w, 4) for name, w in fc.weights.items()},
            "backtest": {name: {k: (round(v, 4) if isinstance(v, float) else v) for k, v in figures.items()}
                         for name, figures in fc.backtest.items()},
            "weekly": [
                {"week": w.week, "start": w.start.isoformat(), "plan": round(w.plan, 1), "lo": round(w.lo, 1),
                 "hi": round(w.hi, 1), **({"fiscal": fiscal_label(w.start, fiscal)} if fiscal else {})}
                for w in fc.weeks
            ],
        }
    return document
