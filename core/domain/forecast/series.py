"""Weekly category series from the normalised history (docs/planning-rules.md §4.1)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

FULL_WEEK_DAYS = 7


@dataclass
class WeeklySeries:
    values: pd.Series  # float, indexed by the first day of each week (the dataset's week start), no gaps
    warnings: list[str] = field(default_factory=list)


def _dates(weeks: pd.Index, limit: int = 5) -> str:
    shown = ", ".join(d.date().isoformat() for d in weeks[:limit])
    return shown + (f" and {len(weeks) - limit} more" if len(weeks) > limit else "")


def category_weekly_series(history: pd.DataFrame, category: str) -> WeeklySeries:
    """Sum a HistoryFrame over stores into the category's weekly series.

    Partial weeks at either end (fewer than 7 days seen) are dropped because a 3-day week reads as
    a collapse in demand. Weeks missing inside the range are filled by linear interpolation and
    reported; negative quantities are clipped to zero and reported.
    """
    rows = history[history["category"] == category]
    if rows.empty:
        known = sorted(history["category"].astype(str).unique())
        raise ValueError(f"category {category!r} has no history rows: known categories are {', '.join(known)}")
    warnings: list[str] = []
    quantity = rows["quantity"].astype(float)
    negative = int((quantity < 0).sum())
    if negative:
        warnings.append(f"{category}: {negative} negative quantities clipped to 0")
        quantity = quantity.clip(lower=0.0)
    weeks = pd.to_datetime(rows["week_start"])
    totals = quantity.groupby(weeks).sum()
    days_seen = rows["days"].groupby(weeks).max() if "days" in rows else pd.Series(FULL_WEEK_DAYS, index=totals.index)
    totals, days_seen = totals.sort_index(), days_seen.sort_index()

    full = days_seen >= FULL_WEEK_DAYS
    if not full.any():
        first_day = totals.index[0]  # weeks start on the dataset's day: name the span it uses
        span = f"{first_day.day_name()}..{(first_day + pd.Timedelta(days=6)).day_name()}"
        raise ValueError(f"category {category!r}: no complete {span} week in the history")
    first, last = full.idxmax(), full[::-1].idxmax()
    dropped = totals.index[(totals.index < first) | (totals.index > last)]
    if len(dropped):
        warnings.append(f"{category}: dropped {len(dropped)} partial edge week(s) starting {_dates(dropped)}")
    totals, days_seen = totals.loc[first:last], days_seen.loc[first:last]
    short = days_seen.index[days_seen < FULL_WEEK_DAYS]
    if len(short):
        warnings.append(f"{category}: {len(short)} week(s) inside the history have fewer than 7 days: {_dates(short)}")

    grid = pd.date_range(first, last, freq="7D")
    values = totals.reindex(grid)
    missing = values.index[values.isna()]
    if len(missing):
        warnings.append(
            f"{category}: {len(missing)} week(s) without any sales rows filled by interpolation: {_dates(missing)}"
        )
        values = values.interpolate(method="linear")
    values.index.name = "week_start"
    values.name = category
    return WeeklySeries(values=values.astype(float), warnings=warnings)


def store_category_panel(history: pd.DataFrame, category: str | None = None) -> dict[str, pd.Series]:
    """Every store x category weekly series ("<store> | <category>") and every category total (keyed by the
    category, as `category_weekly_series` builds it) of a HistoryFrame, of `category` only when given: the
    panel the forecast's global member is trained across (docs/planning-rules.md §4.2). A store's series
    runs on its category's complete weeks; a week without rows for the store counts 0, negative
    quantities count 0. The pre-season, the command line and the lab pass one category's panel, so the
    forecast is the same whichever part of the history the caller loaded."""
    panel: dict[str, pd.Series] = {}
    known = sorted(history["category"].astype(str).unique())
    for category in [c for c in known if category is None or c == category]:
        try:
            total = category_weekly_series(history, category).values
        except ValueError:
            continue  # no complete week: nothing to train on
        panel[category] = total
        rows = history[history["category"].astype(str) == category]
        table = rows.assign(quantity=rows["quantity"].astype(float).clip(lower=0.0),
                            week_start=pd.to_datetime(rows["week_start"]))
        wide = table.pivot_table(index="week_start", columns="store_id", values="quantity", aggfunc="sum")
        wide = wide.reindex(total.index).fillna(0.0)
        for store in wide.columns:
            panel[f"{store} | {category}"] = wide[store].astype(float)
    return panel
