"""Can a season with these parameters and this dataset reach its end? (docs/planning-rules.md §7, feasibility.)

Checked before anything is stored, so an input that would wedge a workflow later (a forecast that
cannot run, clustering that cannot split the stores) is refused with its reasons instead:

- the season starts when there are at least MIN_WEEKS complete weeks of the category's history
  before it (docs/planning-rules.md §4.1 forecasts from that history) and at most MAX_LEAD_WEEKS after its last week
  (the forecast runs through the gap; 9999-12-27 would mean half a million weeks of it);
- clustering needs at least two stores with different attributes (docs/planning-rules.md §4.4); fewer distinct stores
  than n_clusters caps n_clusters at that number, with a note;
- a category that sold nothing has a forecast and a proposed order of 0: that is feasible, but the
  planner is told that the order has to be modified (a 0 order cannot be accepted, quantities.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from core.domain.clustering import store_features
from core.domain.errors import InfeasibleSeason, PlannerError
from core.domain.forecast.series import category_weekly_series
from core.domain.params import SeasonParameters

MIN_WEEKS = 8  # as core.domain.forecast.ensemble.MIN_WEEKS (not imported: it loads the forecast models)
MAX_LEAD_WEEKS = 104  # two years between the last week of history and the season start
MIN_CLUSTERS = 2


@dataclass
class Feasibility:
    parameters: SeasonParameters  # possibly with n_clusters capped
    notes: list[str] = field(default_factory=list)


def start_range(weeks: pd.DatetimeIndex) -> tuple[date, date]:
    """Earliest and latest season start for a weekly series indexed by its week starts."""
    first = pd.Timestamp(weeks[0]).date()
    last = pd.Timestamp(weeks[-1]).date()
    return first + timedelta(weeks=MIN_WEEKS), last + timedelta(weeks=1 + MAX_LEAD_WEEKS)


def _grid_start(season_start: date, weeks: pd.DatetimeIndex) -> date:
    """The season start snapped back onto the series' week grid (as the forecast does)."""
    anchor = pd.Timestamp(weeks[-1]).date()
    return season_start - timedelta(days=(season_start - anchor).days % 7)


def _start_problems(params: SeasonParameters, history: pd.DataFrame) -> tuple[list[str], list[str]]:
    category = params.category
    try:
        series = category_weekly_series(history, category).values
    except ValueError as exc:  # no rows for the category, or no complete week
        return [f"{exc}: nothing to forecast from"], []
    earliest, latest = start_range(series.index)
    start = _grid_start(params.season_start, series.index)
    allowed = f"allowed {earliest.isoformat()}..{latest.isoformat()}"
    before = series[series.index < pd.Timestamp(start)]
    if start > latest:
        return [f"season_start = {params.season_start.isoformat()} is more than {MAX_LEAD_WEEKS} weeks after "
                f"the last week of {category!r} history ({pd.Timestamp(series.index[-1]).date().isoformat()}): "
                f"{allowed}"], []
    if len(before) < MIN_WEEKS:
        span = ("no complete week" if len(series) == 0 else
                f"{len(series)} complete week(s) from {pd.Timestamp(series.index[0]).date().isoformat()}")
        if len(series) < MIN_WEEKS:
            return [f"the history of {category!r} is too short to forecast: {span}, at least {MIN_WEEKS} "
                    "weeks are needed"], []
        return [f"season_start = {params.season_start.isoformat()} leaves {len(before)} complete week(s) of "
                f"{category!r} history before the season; at least {MIN_WEEKS} are needed: {allowed}"], []
    notes = []
    if float(before.sum()) <= 0:
        notes.append(f"{category!r} sold 0 units in the {len(before)} weeks of history before the season: the "
                     "forecast and the proposed order will be 0, which cannot be accepted; modify the order to "
                     "the quantity you want to buy")
    return [], notes


def _cluster_problems(params: SeasonParameters, history: pd.DataFrame, stores: pd.DataFrame) -> tuple[
        list[str], list[str], int]:
    try:
        features, _ = store_features(stores, history, params.category)
    except PlannerError as exc:
        return list(exc.messages), [], params.n_clusters
    distinct = len(features.drop_duplicates())
    if distinct < MIN_CLUSTERS:
        return [f"n_clusters: clustering needs at least {MIN_CLUSTERS} stores with different attributes; the "
                f"dataset has {len(features)} store(s), {distinct} distinct"], [], params.n_clusters
    if distinct < params.n_clusters:
        return [], [f"n_clusters = {params.n_clusters} is more than the {distinct} stores with different "
                    f"attributes; using n_clusters = {distinct}"], distinct
    return [], [], params.n_clusters


def check_feasibility(params: SeasonParameters, history: pd.DataFrame, stores: pd.DataFrame) -> Feasibility:
    """The parameters to start with (n_clusters possibly capped) and notes; InfeasibleSeason otherwise."""
    problems, notes = _start_problems(params, history)
    cluster_problems, cluster_notes, n_clusters = _cluster_problems(params, history, stores)
    problems += cluster_problems
    if problems:
        raise InfeasibleSeason(problems)
    if n_clusters != params.n_clusters:
        params = params.model_copy(update={"n_clusters": n_clusters})
    return Feasibility(parameters=params, notes=notes + cluster_notes)
