"""The season's demand as a distribution: the one interface the order, the markdown and the lab read.

A forecast gives a plan per week and a band around it. Decisions need more than a point: the order
at a critical fractile needs quantiles of the season total, and the expected profit of a quantity
needs demand paths. `season_demand(forecast)` turns a `ForecastResult` into a `SeasonDemand`:

- week k's demand is plan_k x exp(sigma_k x z_k) (lognormal around the plan, the plan its median);
- z_k = sqrt(c) x level + sqrt(1 - c) x wobble_k: one season-wide level term shared by every week,
  so a season that runs hot runs hot in most weeks (docs/planning-rules.md, "Season demand");
- a guard caps any path's season total at `cap` (from what the history itself makes plausible), so
  an interval that blew up cannot make the order or the lab chase impossible demand; `notes` says
  when the guard acted.

Paths are seeded: the same seed gives the same paths, for every caller.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from core.domain.forecast.intervals import Z80
from core.domain.models import ForecastResult

MIN_SIGMA = 0.01  # a forecast with a collapsed band still gets a little spread
DEFAULT_PATHS = 2000


@dataclass(frozen=True)
class SeasonDemand:
    plan: np.ndarray  # (W,) weekly plan, the median of each week
    sigma: np.ndarray  # (W,) log-scale sd of each week
    correlation: float  # share of a week's log error that is the season-wide level, 0..1
    cap: float | None = None  # no path's season total exceeds this (None = no guard)
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def weeks(self) -> int:
        return int(len(self.plan))

    @property
    def median_total(self) -> float:
        return float(self.plan.sum())

    def z(self, n: int, seed: int = 0) -> np.ndarray:
        """(n, W) correlated standard normal scores: the randomness every path is made of."""
        rng = np.random.default_rng(np.random.SeedSequence(seed))
        c = min(1.0, max(0.0, float(self.correlation)))
        level = rng.standard_normal((n, 1))
        wobble = rng.standard_normal((n, self.weeks))
        return math.sqrt(c) * level + math.sqrt(1.0 - c) * wobble

    def weekly_paths(self, n: int = DEFAULT_PATHS, seed: int = 0) -> np.ndarray:
        """(n, W) category demand per week; a path over the cap is scaled down to the cap."""
        paths = self.plan[None, :] * np.exp(self.sigma[None, :] * self.z(n, seed))
        if self.cap is not None:
            totals = paths.sum(axis=1)
            over = totals > self.cap
            if over.any():
                paths[over] *= (self.cap / totals[over])[:, None]
        return paths

    def total_paths(self, n: int = DEFAULT_PATHS, seed: int = 0) -> np.ndarray:
        """(n,) season totals."""
        return self.weekly_paths(n, seed).sum(axis=1)

    def total_quantiles(self, qs: Sequence[float], n: int = DEFAULT_PATHS, seed: int = 0) -> np.ndarray:
        """Quantiles of the season total (from `n` seeded paths)."""
        return np.quantile(self.total_paths(n, seed), np.asarray(qs, dtype=float))


def weekly_sigma(forecast: ForecastResult) -> np.ndarray:
    """Log sd of each week's demand from its 80% interval: (ln hi - ln lo) / (2 z80), or ln(hi / plan) / z80
    when the band reaches 0."""
    out = []
    for w in forecast.weeks:
        if w.plan > 0 and w.lo > 0 and w.hi > w.lo:
            out.append(max(MIN_SIGMA, (math.log(w.hi) - math.log(w.lo)) / (2 * Z80)))
        elif w.plan > 0 and w.hi > w.plan:
            # A band down to 0 (a week that may sell nothing): its upper half sets the spread.
            out.append(max(MIN_SIGMA, math.log(w.hi / w.plan) / Z80))
        else:
            out.append(MIN_SIGMA)
    return np.array(out)


def level_correlation(forecast: ForecastResult) -> float:
    """Share of a week's forecast error that is the season's common level: the calibrated value the
    forecast carries (docs/forecasting.md, "Intervals"); for a forecast stored before it existed, the
    re-forecast's own split of the band."""
    if forecast.week_correlation is not None:
        return float(forecast.week_correlation)
    from core.domain.forecast.reforecast import level_model

    m = level_model(forecast)
    return float(m.level_sd**2 / (m.level_sd**2 + m.noise**2))


def season_demand(forecast: ForecastResult, cap: float | None = None,
                  notes: Sequence[str] = ()) -> SeasonDemand:
    """The forecast's season-demand distribution (module docstring)."""
    plan = np.array([max(0.0, float(w.plan)) for w in forecast.weeks])
    if cap is None and forecast.demand_cap is not None:
        # The forecast's own plausibility guard (the sum of the weeks' ceilings).
        cap = float(forecast.demand_cap)
        notes = [*forecast.guard_notes, *notes]
    return SeasonDemand(plan=plan, sigma=weekly_sigma(forecast), correlation=level_correlation(forecast),
                        cap=cap, notes=tuple(notes))
