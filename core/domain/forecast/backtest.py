"""Held-out accuracy of the forecast on the history's own last weeks (shown on the Forecast page).

The same ensemble is fitted on the history without its last H weeks (H = min(horizon, 12)) and
forecasts those H weeks straight after the cut; the held-out weeks are scored with WAPE, MAPE and
bias for the ensemble and for each member. It is a check that the method suits this series, not
a promise for the season (which may start weeks after the history ends).
"""

from __future__ import annotations

from core.domain.accuracy import error_metrics as score

__all__ = ["holdout_weeks", "score"]

MAX_WEEKS = 12


def holdout_weeks(horizon_weeks: int) -> int:
    return max(1, min(horizon_weeks, MAX_WEEKS))


