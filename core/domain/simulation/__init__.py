"""Scenario lab simulation (docs/planning-rules.md §7): a season run by the product's own rules on given demand."""

from core.domain.simulation.demand import (
    DEFAULT_PATHS,
    MonteCarloPaths,
    ReplayCut,
    monte_carlo_demand,
    replay_cut,
)
from core.domain.simulation.metrics import METRICS, best_per_metric, best_set, path_metrics, summarise, weekly_paths
from core.domain.simulation.parameters import ParameterSet, check_comparable, parameter_set
from core.domain.simulation.simulator import SeasonSetup, SimulationRun, prepare_season, report_inputs, simulate

__all__ = [
    "DEFAULT_PATHS", "METRICS", "MonteCarloPaths", "ParameterSet", "ReplayCut", "SeasonSetup", "SimulationRun",
    "best_per_metric", "best_set",
    "check_comparable", "monte_carlo_demand", "parameter_set", "path_metrics", "prepare_season", "replay_cut",
    "report_inputs", "simulate", "summarise", "weekly_paths",
]
