"""The scenario lab as the pages and the command line reach it: through PlannerService (a mixin of it).

The lab (core/lab/) computes; this module gives it the service's data (datasets, status documents),
chooses where its parts run (core/orchestrator/lab_remote.py: the one worker, else this machine) and
stores the comparisons in the service's unit of work.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from core.db.comparisons import ComparisonSummary, StoredComparison

Progress = Callable[[int, int], None]


class ScenarioLab:
    """Methods of PlannerService (self has uow, db_url, status(), dataset_frames())."""

    uow: Any

    def compare_on_dataset(self, dataset_id: int, rows: list[dict[str, Any]], *, source: str = "monte-carlo",
                           paths: int = 200, seed: int = 0, starts: list[date] | None = None,
                           progress: Progress | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        """Sets given as dicts (SeasonParameters fields + name/order_qty/markdown_depth) on a dataset's data,
        on Monte Carlo seasons (`paths`, `seed`) or on past seasons replayed from `starts` (Mondays)."""
        from core.lab.runner import DemandSpec
        from core.lab.service import dataset_comparison

        spec = (DemandSpec("replay", starts=list(starts or []), seed=seed) if source == "replay" else
                DemandSpec("monte-carlo", paths=int(paths), seed=int(seed)))
        with self.lab_executor() as executor:
            doc, inputs = dataset_comparison(self, dataset_id, rows, spec, executor=executor, progress=progress)
        return doc, inputs

    def order_what_if(self, workflow_id: str, *, paths: int | None = None, seed: int = 0, local: bool = False,
                      progress: Progress | None = None) -> dict[str, Any]:
        """The pending order's what-if; `local` runs it in this process (the dashboard's background thread)."""
        from core.lab.runner import InlineExecutor
        from core.lab.service import order_what_if

        if local:
            return order_what_if(self, workflow_id, paths=paths, seed=seed, executor=InlineExecutor(),
                                 progress=progress)
        with self.lab_executor() as executor:
            return order_what_if(self, workflow_id, paths=paths, seed=seed, executor=executor, progress=progress)

    def workflow_comparison(self, workflow_id: str, alternatives: list[tuple[str, Any]], *,
                            monte_carlo: int | None, seed: int) -> tuple[dict[str, Any], dict[str, Any]]:
        from core.lab.comparisons import workflow_comparison

        with self.lab_executor() as executor:
            return workflow_comparison(self, workflow_id, alternatives, monte_carlo=monte_carlo, seed=seed,
                                       executor=executor)

    def lab_executor(self) -> Any:
        """Where the lab's parts run: the worker when one takes them, else this machine (and the document says so)."""
        from core.orchestrator.lab_remote import lab_executor

        return lab_executor()

    def checked_report(self, workflow_id: str) -> Any:
        """The season report with its tuning advice checked by replaying the season (§ Season review)."""
        from core.lab.advice import checked_report

        return checked_report(self, workflow_id)

    # ------------------------------------------------------------------ stored comparisons
    def save_comparison(self, doc: dict[str, Any], inputs: dict[str, Any], label: str,
                        workflow_id: str | None = None) -> int:
        from core.db.comparisons import add_comparison

        with self.uow.begin() as repo:
            return add_comparison(repo.s, label=label, inputs=inputs, results=doc, workflow_id=workflow_id,
                                  dataset_id=inputs.get("dataset_id"))

    def list_comparisons(self, workflow_id: str | None = None) -> list[ComparisonSummary]:
        from core.db.comparisons import comparison_summaries

        with self.uow.read() as repo:
            return comparison_summaries(repo.s, workflow_id)

    def get_comparison(self, comparison_id: int) -> StoredComparison | None:
        from core.db.comparisons import stored_comparison

        with self.uow.read() as repo:
            return stored_comparison(repo.s, comparison_id)
