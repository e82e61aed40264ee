"""Robust Bayesian estimate of the demand level from in-season weeks (used by `reforecast`).

Observation model on x_i = log(actual_i / base_i), where base is the plan before any level
correction, for weeks i = 1..k:

    x_i = level_i + e_i,   e_i ~ (1 - p_out) N(0, noise^2) + p_out N(0, wide^2)

- `noise` is the ordinary week-to-week wobble of demand around its level, measured on the
  history; `p_out` is the chance that a week is a one-off (a promotion, a storm, a holiday
  that fell in another week than planned) whose size says nothing about the weeks after.
- level_1 ~ (1 - p_start) N(0, level_sd^2) + p_start N(0, wide^2): the forecast's own interval
  says how far off its level usually is (`level_sd`), but a new season can also be off by far
  more than that (a product that took off or flopped), with probability `p_start`.
- level_{i+1} = level_i + (1 - p_jump) N(0, drift^2) + p_jump N(0, wide^2): a slow drift plus, rarely,
  a lasting jump in the middle of the season.

Because one-off weeks (p_out) are more common than mid-season jumps (p_jump), a single week far
from an established level is mostly taken as a one-off; a second week in the same direction makes
"a jump happened" more likely than "two one-offs in a row" once p_jump > p_out ** 2. At the season
start p_start > p_out, so a first week far off the plan is read as a level error. With one
observation the data cannot tell a one-off from a shift: the prior odds decide, by design.

The posterior is computed exactly on a grid of levels (a point-mass filter: mixtures stay
mixtures, which a Kalman filter cannot represent), and the remaining weeks use its median,
the estimate with the smallest expected absolute error.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

STEP = 0.0025  # grid spacing of the log level (0.25%)
SPAN = 3.0  # levels from exp(-3) = 0.05x to exp(3) = 20x the plan


@dataclass(frozen=True)
class LevelModel:
    noise: float  # sd of an ordinary week around the level (log)
    level_sd: float  # sd of the forecast's level error in the ordinary case (log)
    drift: float  # sd of the week-to-week random walk of the level (log)
    p_out: float = 0.10
    p_start: float = 0.25
    p_jump: float = 0.03
    wide: float = 0.5  # sd of a one-off week, a large level error, a jump (log; 0.5 = x0.61..x1.65)
    p_hold: float = 0.5  # prior odds 1:1 that the plan's level holds all season (the changepoint test)


GRID = np.arange(-SPAN, SPAN + STEP / 2, STEP)


def _normal(values: np.ndarray, sd: float) -> np.ndarray:
    return np.exp(-0.5 * (values / sd) ** 2) / sd


# The kernels depend only on their sd and the grid, and a season's re-forecasts use the same three
# (drift, one-off/jump width, weekly noise) every time: they and their FFTs are computed once. The
# arrays are the ones the direct computation gives, so every result stays exactly the same.
@lru_cache(maxsize=64)
def _kernel(sd: float) -> np.ndarray:
    """A normal density on the grid spacing, normalised to sum 1 (at least the centre point)."""
    half = int(np.ceil(5 * sd / STEP))
    k = _normal(np.arange(-half, half + 1) * STEP, max(sd, 1e-12)) if half else np.ones(1)
    k = k / k.sum()
    k.setflags(write=False)
    return k


@lru_cache(maxsize=64)
def _kernel_fft(sd: float, size: int) -> np.ndarray:
    f = np.fft.rfft(_kernel(sd), size)
    f.setflags(write=False)
    return f


def _smooth(pmf: np.ndarray, sd: float) -> np.ndarray:
    """pmf convolved with the normal kernel of `sd` (same length as pmf, negatives from FFT noise clipped)."""
    kernel = _kernel(sd)
    if len(kernel) == 1:
        return pmf
    if len(kernel) > 64:
        n = len(pmf) + len(kernel) - 1
        size = 1 << (n - 1).bit_length()
        full = np.fft.irfft(np.fft.rfft(pmf, size) * _kernel_fft(sd, size), size)[:n]
    else:
        full = np.convolve(pmf, kernel)
    half = (len(kernel) - 1) // 2
    return np.maximum(full[half: half + len(pmf)], 0.0)  # what np.clip(.., 0.0, None) calls, without its overhead


def prior(model: LevelModel) -> np.ndarray:
    return _prior(model).copy()


@lru_cache(maxsize=64)
def _prior(model: LevelModel) -> np.ndarray:
    pmf = (1 - model.p_start) * _normal(GRID, model.level_sd) + model.p_start * _normal(GRID, model.wide)
    return pmf / pmf.sum()


def _week_likelihood(value: float, levels: np.ndarray, model: LevelModel) -> np.ndarray:
    r = value - levels
    return (1 - model.p_out) * _normal(r, model.noise) + model.p_out * _normal(r, model.wide)


# Every re-forecast of a season refits on all the weeks seen so far, and the weeks seen before enter
# with the very same values each time: the filter resumes from the state it had reached after them
# (the same operations on the same numbers, so the same result to the bit). Keyed by the model and
# the exact bytes of the observed prefix; a bounded LRU (about 20 MB), shared by the scenario lab's
# paths run in lockstep.
_MEMO: OrderedDict[tuple[LevelModel, bytes], tuple[np.ndarray, float]] = OrderedDict()
_MEMO_SIZE = 1024
_MEMO_LOCK = threading.Lock()


def _resume(values: np.ndarray, model: LevelModel) -> tuple[int, np.ndarray, float]:
    with _MEMO_LOCK:
        for n in range(len(values), 0, -1):
            hit = _MEMO.get((model, values[:n].tobytes()))
            if hit is not None:
                _MEMO.move_to_end((model, values[:n].tobytes()))
                return n, hit[0].copy(), hit[1]
    return 0, prior(model), 0.0


def _remember(values: np.ndarray, model: LevelModel, pmf: np.ndarray, log_evidence: float) -> None:
    with _MEMO_LOCK:
        _MEMO[(model, values.tobytes())] = (pmf.copy(), log_evidence)
        _MEMO.move_to_end((model, values.tobytes()))
        while len(_MEMO) > _MEMO_SIZE:
            _MEMO.popitem(last=False)


def filter_level(x: np.ndarray, model: LevelModel) -> tuple[np.ndarray, float]:
    """Posterior pmf over GRID of the level of the last observed week, and log p(x) under the model."""
    values = np.clip(np.asarray(x, dtype=float), -SPAN, SPAN)
    start, pmf, log_evidence = _resume(values, model)
    for i in range(start, len(values)):
        if i:
            pmf = (1 - model.p_jump) * _smooth(pmf, model.drift) + model.p_jump * _smooth(pmf, model.wide)
        post = pmf * _week_likelihood(values[i], GRID, model)
        total = post.sum()
        if total <= 0:  # a week the grid cannot explain at all (underflow) carries no usable information
            continue
        log_evidence += float(np.log(total))
        pmf = post / total
    if start < len(values):
        _remember(values, model, pmf, log_evidence)
    return pmf, log_evidence


def plan_holds_evidence(x: np.ndarray, model: LevelModel) -> float:
    """log p(x) if the plan's level is right all season (level 0; ordinary weeks and one-offs only)."""
    values = np.clip(np.asarray(x, dtype=float), -SPAN, SPAN)
    return float(np.sum(np.log(np.maximum(_week_likelihood(0.0, -values, model), 1e-300))))


@dataclass(frozen=True)
class LevelPosterior:
    pmf: np.ndarray  # over GRID, both models: the "plan holds" mass sits at level 0
    moved: np.ndarray  # over GRID, given that the level moved
    p_hold: float  # P(the plan's level holds | x)

    @property
    def median(self) -> float:
        """The median of the mixture, with the "plan holds" mass as an exact atom at 0."""
        mid = _mid(self.moved)  # computed once for both look-ups
        below = (1 - self.p_hold) * _cdf(self.moved, 0.0, mid)
        if below >= 0.5:
            return _quantile(self.moved, 0.5 / (1 - self.p_hold), mid)
        if below + self.p_hold >= 0.5:
            return 0.0
        return _quantile(self.moved, (0.5 - self.p_hold) / (1 - self.p_hold), mid)


def level_posterior(x: np.ndarray, model: LevelModel) -> LevelPosterior:
    """Posterior of the current level averaged over both models ("plan holds", "level moved")."""
    moved, log_moved = filter_level(x, model)
    log_hold = plan_holds_evidence(x, model)
    # Posterior odds of "the plan's level holds" against "the level moved" (a Bayes factor test).
    log_odds = np.log(model.p_hold) + log_hold - np.log1p(-model.p_hold) - log_moved
    p_hold = float(1.0 / (1.0 + np.exp(-np.clip(log_odds, -700, 700))))
    pmf = (1 - p_hold) * moved
    pmf[_ZERO] += p_hold
    return LevelPosterior(pmf=pmf, moved=moved, p_hold=p_hold)


_ZERO = int(np.argmin(np.abs(GRID)))  # the grid point of level 0


def _mid(pmf: np.ndarray) -> np.ndarray:
    # Each grid point's mass sits at the point itself: interpolate between mid-mass positions.
    return np.cumsum(pmf) - pmf / 2


def _quantile(pmf: np.ndarray, q: float, mid: np.ndarray | None = None) -> float:
    mid = _mid(pmf) if mid is None else mid
    return float(np.interp(q * mid[-1] / (mid[-1] + pmf[-1] / 2), mid, GRID)) if mid[-1] > 0 else 0.0


def _cdf(pmf: np.ndarray, value: float, mid: np.ndarray | None = None) -> float:
    mid = _mid(pmf) if mid is None else mid
    return float(np.interp(value, GRID, mid))


def median(pmf: np.ndarray) -> float:
    return _quantile(pmf, 0.5)


def predictive_bands(pmf: np.ndarray, model: LevelModel, weeks: int, q: float) -> list[tuple[float, float]]:
    """(q, 1 - q) quantiles of an ordinary week's log ratio 1..`weeks` weeks after the last observed one.

    The level may drift (and jump) until then; one-off weeks are left out, as in the forecast's band.
    """
    out = []
    for _ in range(weeks):
        pmf = (1 - model.p_jump) * _smooth(pmf, model.drift) + model.p_jump * _smooth(pmf, model.wide)
        week = _smooth(pmf, model.noise)
        mid = _mid(week)
        out.append((_quantile(week, q, mid), _quantile(week, 1 - q, mid)))
    return out
