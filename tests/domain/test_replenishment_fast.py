"""replenishment_quantities (the simulator's fast path) ships exactly what plan_replenishment's lines ship."""

from __future__ import annotations

import numpy as np
import pytest

from core.domain.errors import PlannerError
from core.domain.models import StoreState
from core.domain.replenishment import plan_replenishment, replenishment_quantities
from core.domain.rounding import ceil_clean, ceil_clean_array


def _both(week, states, dc, strategy="weekly", horizon=12, plan=None, safety=0.0):  # type: ignore[no-untyped-def]
    lines = plan_replenishment(week, strategy=strategy, horizon_weeks=horizon, states=states, dc_on_hand=dc,
                               plan=plan, safety_stock=safety)
    by_line = {x.store_id: x.qty for x in lines}
    slow = np.array([by_line.get(s.store_id, 0) for s in states], dtype=np.int64)
    fast = replenishment_quantities(
        week, strategy=strategy, horizon_weeks=horizon, store_ids=[s.store_id for s in states],
        season_total=np.array([s.season_total for s in states]), shipped=np.array([s.shipped for s in states]),
        sold=np.array([s.sold for s in states]), dc_on_hand=dc, plan=plan, safety_stock=safety)
    return slow, fast


def _states(rng: np.random.Generator, n: int, ties: bool) -> list[StoreState]:
    totals = rng.integers(0, 400, n) if not ties else np.full(n, 120)
    shipped = np.minimum(totals, rng.integers(0, 300, n)) if not ties else np.full(n, 40)
    sold = rng.integers(0, 320, n) if not ties else rng.choice([10, 40], n)
    ids = rng.permutation([f"S{k:03d}" for k in range(n)])
    return [StoreState(store_id=str(i), season_total=int(t), shipped=int(s), sold=int(d))
            for i, t, s, d in zip(ids, totals, shipped, sold)]


@pytest.mark.parametrize("seed", range(40))
def test_same_quantities_as_the_lines_on_random_states(seed: int) -> None:
    rng = np.random.default_rng(seed)
    states = _states(rng, int(rng.integers(1, 60)), ties=seed % 4 == 0)
    wanted_total = sum(max(0, s.season_total - s.shipped) for s in states)
    for dc in (0, 1, int(wanted_total * 0.3), wanted_total * 2):
        for strategy, week in (("weekly", 3), ("weekly", 11), ("bi-weekly", 4), ("bi-weekly", 3), ("none", 2)):
            slow, fast = _both(week, states, dc, strategy)
            assert fast.tolist() == slow.tolist()
            plan = [float(x) for x in rng.uniform(0, 3000, 12 - week)]
            slow, fast = _both(week, states, dc, strategy, plan=plan, safety=0.15)
            assert fast.tolist() == slow.tolist()


def test_a_short_dc_goes_to_the_largest_need_first() -> None:
    states = [StoreState(store_id="B", season_total=100, shipped=0, sold=0),
              StoreState(store_id="A", season_total=100, shipped=0, sold=0),
              StoreState(store_id="C", season_total=300, shipped=0, sold=0)]
    slow, fast = _both(1, states, 60, horizon=2)  # last cycle: needs 100, 100, 300; C takes all 60
    assert fast.tolist() == slow.tolist() == [0, 0, 60]
    slow, fast = _both(1, states, 400, horizon=2)  # C 300, then the tie A before B by store id
    assert fast.tolist() == slow.tolist() == [0, 100, 300]


def test_the_same_checks() -> None:
    states = [StoreState(store_id="A", season_total=10, shipped=0, sold=0)]
    with pytest.raises(PlannerError, match="dc_on_hand"):
        _both(1, states, -1)
    with pytest.raises(PlannerError, match="plan has 0 weeks"):
        _both(1, states, 5, plan=[])
    with pytest.raises(PlannerError, match="safety_stock"):
        _both(1, states, 5, plan=[1.0], safety=2.0)
    with pytest.raises(PlannerError, match="replenishment"):
        _both(1, states, 5, strategy="daily")


def test_ceil_clean_array_matches_ceil_clean() -> None:
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.uniform(-50, 50, 2000), np.arange(-5, 5, 0.5), [1200.0000000000002, 2.9999999999,
                                                                           0.30000000000000004 * 10, -0.0]])
    assert ceil_clean_array(x).tolist() == [ceil_clean(float(v)) for v in x]
