"""The price response: entered, else estimated from the history's price moves, else the published default."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from core.domain.params import DEFAULT_PRICE_ELASTICITY, make_parameters
from core.domain.price_response import estimate_price_elasticity, resolve_price_response


def history(elasticity: float, price_sd: float, weeks: int = 80, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    stamps = pd.date_range("2022-01-03", periods=weeks, freq="W-MON")
    price = 50 * np.exp(rng.normal(0, price_sd, weeks))
    units = 1000 * (price / 50) ** -elasticity * np.exp(rng.normal(0, 0.05, weeks))
    return pd.DataFrame({"week_start": stamps, "store_id": "S1", "category": "D", "quantity": units,
                         "revenue": units * price})


def test_a_varying_price_gives_the_elasticity_back() -> None:
    value, how = estimate_price_elasticity(history(2.0, 0.08), "D")
    assert abs(value - 2.0) < 0.2 and how.startswith("estimated from")


def test_a_steady_price_leaves_the_published_default() -> None:
    value, how = estimate_price_elasticity(history(2.0, 0.002), "D")
    assert value is None and "hardly varies" in how
    p = make_parameters({"category": "D", "season_start": date(2023, 9, 4).isoformat()})
    resolved, note = resolve_price_response(p, history(2.0, 0.002))
    assert resolved.price_elasticity == DEFAULT_PRICE_ELASTICITY and "Tellis 1988" in note


def test_an_entered_price_response_wins() -> None:
    p = make_parameters({"category": "D", "season_start": "2023-09-04", "price_elasticity": 1.2})
    resolved, note = resolve_price_response(p, history(2.0, 0.08))
    assert resolved.price_elasticity == 1.2 and note.endswith("(entered)")
    estimated, _ = resolve_price_response(make_parameters({"category": "D", "season_start": "2023-09-04"}),
                                          history(2.0, 0.08))
    assert abs(estimated.price_elasticity - 2.0) < 0.2
