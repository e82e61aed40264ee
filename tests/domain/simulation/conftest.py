"""A small season for simulator tests: the six-store orchestrator dataset, 'Dresses', 6 weeks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

from core.domain.clustering import cluster_stores
from core.domain.forecast import category_weekly_series, forecast_season
from core.domain.ingest import parse_history, parse_stores
from core.domain.models import ClusterResult, ForecastResult
from core.domain.report import unit_price
from core.domain.simulation import ParameterSet, SeasonSetup, parameter_set, prepare_season
from tests.orchestrator.conftest import SEASON_START, history_csv, stores_csv


@dataclass
class Small:
    history: pd.DataFrame
    stores: pd.DataFrame
    forecast: ForecastResult
    clusters: ClusterResult
    price: float

    def pset(self, **overrides: Any) -> ParameterSet:
        values = {"category": "Dresses", "season_start": SEASON_START.isoformat(), "horizon_weeks": 6,
                  "markdown_week": 3, "n_clusters": 2, **overrides}
        return parameter_set(values, source="test.json")

    def setup(self, **overrides: Any) -> SeasonSetup:
        return prepare_season(self.pset(**overrides), self.forecast, clusters=self.clusters, stores=self.stores,
                              history=self.history, unit_price=self.price)

    def weights(self, setup: SeasonSetup) -> np.ndarray:
        return np.array([s.season_total for s in setup.allocation.stores], dtype=float)


@pytest.fixture(scope="session")
def small() -> Small:
    history = parse_history(history_csv(), "history.csv").frame
    stores = parse_stores(stores_csv(), "stores.csv").frame
    rows = history[history["category"] == "Dresses"].reset_index(drop=True)
    fc = forecast_season(category_weekly_series(rows, "Dresses").values, season_start=SEASON_START, horizon_weeks=6,
                         category="Dresses", backtest=False)
    return Small(history=rows, stores=stores, forecast=fc, clusters=cluster_stores(stores, rows, "Dresses", 2),
                 price=unit_price(rows, "Dresses"))
