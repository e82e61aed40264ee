"""What the dashboard asks of the scenario lab, through PlannerService (core/orchestrator/scenarios.py):
comparisons on a dataset or a workflow; the pending order's what-if (proposed quantity and safety
stock -10, -5, +5, +10 points). Storing a comparison is the service's unit of work, not the lab's."""

from __future__ import annotations

from typing import Any

from core.domain.errors import PlannerError
from core.lab.runner import DemandSpec, Progress, compare

WHAT_IF_POINTS = (-0.10, -0.05, 0.05, 0.10)
WHAT_IF_PATHS = 60


def dataset_comparison(svc: Any, dataset_id: int, rows: list[dict[str, Any]], spec: DemandSpec, *,
                       executor: Any = None, progress: Progress | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Sets given as dicts (SeasonParameters fields + name/order_qty/markdown_depth) on a dataset's data."""
    from core.domain.simulation import parameter_set

    problems, sets = [], []
    for i, row in enumerate(rows, start=1):
        try:
            sets.append(parameter_set(row, source=f"set {i} ({row.get('name') or 'unnamed'})", default_name=f"set {i}"))
        except PlannerError as exc:
            problems.extend(exc.messages)
    if problems:
        raise PlannerError(problems)
    # Every set plans one category (check_comparable): only its rows are read.
    frames = svc.dataset_frames(dataset_id, category=sets[0].parameters.category if sets else None)
    doc = compare(frames.history, frames.stores, sets, spec, executor=executor, progress=progress)
    inputs = {"dataset_id": dataset_id, "sets": [s.label() for s in sets], "source": spec.source,
              "replay": [d.isoformat() for d in spec.starts], "paths": spec.paths, "seed": spec.seed}
    return doc, inputs


def workflow_alternatives(status: dict[str, Any], points: tuple[float, ...] = WHAT_IF_POINTS) -> list[tuple[str, Any]]:
    """Safety stock moved by each of `points` (clipped to 0..1, duplicates and no-ops left out), each as
    the safety-stock order policy; beside a profit proposal the current safety stock's rule order too."""
    ss = float(status["parameters"].get("safety_stock") or 0.0)
    profit = status["parameters"].get("order_policy") == "profit"
    out, seen = [], set() if profit else {round(ss, 6)}
    for d in sorted(set(points) | ({0.0} if profit else set())):
        value = round(min(1.0, max(0.0, ss + d)), 6)
        if value in seen:
            continue
        seen.add(value)
        out.append((f"safety {d * 100:+.0f} pts", {"name": f"safety stock {value:.0%}", "safety_stock": value,
                                                   "order_policy": "safety_stock"}))
    return out


def order_what_if(svc: Any, workflow_id: str, *, paths: int | None = None, seed: int = 0, executor: Any = None,
                  progress: Progress | None = None) -> dict[str, Any]:
    """The pending order's what-if: the proposal and the safety-stock alternatives on Monte Carlo seasons."""
    from core.lab.comparisons import workflow_comparison

    status = svc.status(workflow_id).model_dump(mode="json")
    doc, _ = workflow_comparison(svc, workflow_id, workflow_alternatives(status), monte_carlo=paths or WHAT_IF_PATHS,
                                 seed=seed, executor=executor, progress=progress)
    p = status["parameters"]
    doc["sets"][0]["name"] = ("proposed (expected profit)" if p.get("order_policy") == "profit"
                              else f"proposed (safety stock {float(p.get('safety_stock') or 0):.0%})")
    return doc
