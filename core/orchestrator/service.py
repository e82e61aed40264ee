"""PlannerService: the one API the CLI and the Streamlit pages call (docs/architecture.md).

A facade over three parts:
  - commands (commands.py): start, decide, upload, close, retry - each records what the planner did
    and the pending step in one version-checked transaction;
  - the step engine (engine.py): claims the pending step with a lease, runs it as a pure function,
    commits its result; an executor decides where (inline, a background thread, a Celery worker);
  - the read model (read_model.py): the typed StatusDocument and the other queries; a read never
    runs, sends or writes anything (pending steps are the engine's sweep's business);
  - the scenario lab (scenarios.py): comparisons, the order's what-if, stored comparisons.
The unit of work is injected (`uow=`), so storage can be replaced; `PlannerService(url)` or
`PlannerService.from_url(url)` opens the database at that URL (migrating it to head).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.exc import DBAPIError

from core.config import resolve_db_url
from core.db.engine import open_engine
from core.db.repository import GuardedUnitOfWork, UnitOfWork
from core.domain.models import SeasonReport
from core.domain.params import ParameterError, SeasonParameters, make_parameters
from core.orchestrator.commands.handlers import Commands
from core.orchestrator.commands.datasets import (
    content_hash,
    content_hashes,
    dataset_info,
    dataset_mapping,
    import_into,
)
from core.orchestrator.queries.frames import DatasetFrames, load_frames
from core.orchestrator.engine.step_engine import StepEngine, StepHook, utcnow
from core.orchestrator.engine.executors import Executor, default_kind, make_executor
from core.orchestrator.commands.labels import clean_filename, clean_text
from core.orchestrator.commands.llm_events import EXTRACTIONS, extraction_fallback
from core.orchestrator.queries.read_model import ReadModel
from core.orchestrator.pending import PendingSteps
from core.orchestrator.scenarios import ScenarioLab
from core.orchestrator.engine.retries import DEFAULT_DELAYS
from core.orchestrator.queries.status import ApprovalView, DatasetInfo, EventView, StatusDocument, WorkflowSummary
from core.orchestrator.commands.uploads import refuse_oversize

DEMO_LABEL = "Built-in demo data"


class PlannerService(PendingSteps, ScenarioLab):
    def __init__(
        self,
        db_url: str | None = None,
        *,
        uow: UnitOfWork | None = None,
        executor: str = "inline",
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        retry_delays: Sequence[float] = DEFAULT_DELAYS,
        step_warning_s: float = 60.0,
        lease_ttl_s: float | None = None,
        fault_hook: StepHook | None = None,
        before_commit: StepHook | None = None,
        llm_settings: Any = None,
    ):
        self.db_url = resolve_db_url(db_url)
        if uow is None:
            self.engine = open_engine(self.db_url)
            uow = GuardedUnitOfWork(self.engine, self.db_url)
        else:
            self.engine = uow.engine
        self.uow = uow
        # core.agents.LLMSettings for extraction and explanations; None = from the environment.
        self.llm_settings = llm_settings
        extra = {"lease_ttl_s": lease_ttl_s} if lease_ttl_s is not None else {}
        self.steps = StepEngine(uow, self.db_url, clock=clock, sleep=sleep, retry_delays=retry_delays,
                                step_warning_s=step_warning_s, fault_hook=fault_hook, before_commit=before_commit,
                                llm_settings=llm_settings, **extra)
        self.executor: Executor = make_executor(executor, self.steps)
        self.commands = Commands(uow, self.db_url, self.executor.submit, clock)
        self.queries = ReadModel(uow)
        self.clock = clock
        self._sent: dict[str, datetime] = {}  # workflow id -> when this process last sent its step again
        self._sent_lock = threading.Lock()

    @classmethod
    def from_url(cls, db_url: str | None = None, **kw: Any) -> PlannerService:
        return cls(db_url, **kw)

    def close(self) -> None:
        self.executor.shutdown()
        self.engine.dispose()

    # ================================================================== datasets
    def ensure_demo_dataset(self) -> DatasetInfo:
        from core.demo import demo_csv_bytes

        files = demo_csv_bytes()
        history, stores = _demo_files(files)
        return self._import(history=history, history_name="demo_history.csv", stores=stores,
                            stores_name="demo_stores.csv", label=DEMO_LABEL, source="demo")

    def demo_week_files(self, scenario: str = "normal") -> tuple[str, bytes]:
        """(file name, zip bytes) of the built-in demo's weekly actuals for one scenario ('normal',
        'high', 'low'): week_01.csv .. week_NN.csv, to drop on In-Season one week at a time."""
        import io
        import zipfile

        from core.demo import SCENARIOS, demo_actuals_bytes, demo_dataset

        if scenario not in SCENARIOS:
            raise ParameterError(f"scenario = {scenario!r}: allowed {', '.join(SCENARIOS)}")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for week in range(1, demo_dataset().horizon_weeks + 1):
                zf.writestr(f"demo_{scenario}/week_{week:02d}.csv", demo_actuals_bytes(scenario, week))
        return f"demo_weeks_{scenario}.zip", buffer.getvalue()

    def list_datasets(self) -> list[DatasetInfo]:
        with self.uow.read() as repo:
            return [dataset_info(ds) for ds in repo.datasets()]

    def dataset(self, dataset_id: int) -> DatasetInfo:
        with self.uow.read() as repo:
            return dataset_info(repo.dataset(dataset_id))

    def import_dataset(self, *, history: Any, history_name: str, stores: bytes, stores_name: str,
                       label: str | None = None, week_start: str | int | None = None,
                       column_map: dict[str, str] | None = None,
                       stores_column_map: dict[str, str] | None = None,
                       max_history_bytes: int | None = None) -> DatasetInfo:
        """`history`: the file's bytes (a browser upload, capped at limits.MAX_HISTORY_BYTES) or a
        pathlib.Path read in chunks (any size up to `max_history_bytes`, default
        limits.MAX_HISTORY_FILE_BYTES, checked from the file's size before a byte is read).
        `week_start`: the weekday the data's weeks start on ('saturday', 5); None detects it from
        weekly history dates (else Monday). The same files on another day are another dataset.
        `column_map` {our column: theirs} reads files with their own column names (both files, or the
        history only when `stores_column_map` is given); it is remembered for each file's layout."""
        from core.domain.calendar import weekday_index
        from core.domain.ingest.mapping import check_mapping

        day = None if week_start is None else weekday_index(week_start)
        mapping = check_mapping(column_map) or None
        stores_mapping = None if stores_column_map is None else check_mapping(stores_column_map)
        return self._import(history=history, history_name=history_name, stores=stores, stores_name=stores_name,
                            label=label, source="upload", week_start=day, mapping=mapping,
                            stores_mapping=stores_mapping, max_history_bytes=max_history_bytes)

    def column_mapping(self, kind: str, data: bytes) -> dict[str, Any]:
        """What the Plan page offers for a file: {"header": its columns, "remembered": the mapping
        remembered for its layout or None, "suggested": a first guess from usual names}."""
        from core.domain.ingest.mapping import OUR_COLUMNS, header_names, layout_key, suggest

        if kind not in OUR_COLUMNS:
            raise ParameterError(f"kind = {kind!r}: allowed {', '.join(OUR_COLUMNS)}")
        names = header_names(data)
        remembered = None
        if names:
            with self.uow.read() as repo:
                remembered = repo.column_mapping(layout_key(kind, names))
        return {"header": names, "remembered": remembered, "suggested": suggest(kind, names)}

    def _import(self, **kw: Any) -> DatasetInfo:
        # Names are labels: cleaned and clipped to their columns here, so that every backend
        # stores the same thing (and messages about the files show the same names).
        kw["history_name"] = clean_filename(kw["history_name"])
        kw["stores_name"] = clean_filename(kw["stores_name"])
        refuse_oversize([("history", kw["history"], kw["history_name"]), ("stores", kw["stores"], kw["stores_name"])])
        try:
            with self.uow.begin() as repo:
                return import_into(repo, cache_key=self.db_url, **kw)
        except DBAPIError:
            # Another process imported the same files a moment ago (unique content hash): reuse it.
            day = kw.get("week_start", 0)
            both = dataset_mapping(kw.get("mapping"), kw.get("stores_mapping"))
            hashes = content_hashes(kw["history"], kw["stores"], both) if day is None else [
                content_hash(kw["history"], kw["stores"], day, both)]
            with self.uow.read() as repo:
                ds = next((d for d in map(repo.dataset_by_hash, hashes) if d is not None), None)
                if ds is None:
                    raise
                return dataset_info(ds)

    @staticmethod
    def method_in_words(method: str) -> str:
        """A forecast method's name (e.g. "ensemble(mstl+theta)") in plain words for the planner."""
        from core.agents.templates import describe_method

        return describe_method(method)

    def dataset_frames(self, dataset_id: int, category: str | None = None) -> DatasetFrames:
        """The dataset's frames; with `category`, a history of that category's rows only (read by query)."""
        with self.uow.read() as repo:
            return load_frames(repo, dataset_id, self.db_url, category=category)

    def extract_parameters(self, text: str, dataset_id: int | None = None) -> Any:
        from core.agents import extract_parameters

        categories: list[str] = []
        history_end = None
        if dataset_id is not None:
            info = self.dataset(dataset_id)
            categories, history_end = info.categories, info.history_end
        extraction = extract_parameters(text, categories=categories, history_end=history_end,
                                        settings=self.llm_settings)
        cleaned = clean_text(text)
        if cleaned is not None:
            EXTRACTIONS.put((self.db_url, cleaned), extraction_fallback(extraction))
        return extraction

    # ================================================================== commands
    def start_workflow(self, params: SeasonParameters | dict, *, dataset_id: int, source_text: str | None = None,
                       by: str = "planner") -> StatusDocument:
        if isinstance(params, SeasonParameters):
            params = make_parameters(params.model_dump(exclude_none=False))
        elif isinstance(params, dict):
            params = make_parameters(params)
        else:
            raise ParameterError(f"parameters must be a SeasonParameters or a dict, not {type(params).__name__}")
        info = self.dataset(dataset_id)
        params = _on_dataset_calendar(params, info)
        wf_id = self.commands.start(params, dataset_id=dataset_id, categories=info.categories,
                                    source_text=source_text, by=by)
        return self.queries.status(wf_id)

    def decide(self, workflow_id: str, *, accept: bool, value: float | None = None, reason: str | None = None,
               by: str = "planner", expected_approval_id: int | None = None) -> StatusDocument:
        self.resume(workflow_id)
        self.commands.decide(workflow_id, accept=accept, value=value, reason=reason, by=by,
                             expected_approval_id=expected_approval_id)
        return self.queries.status(workflow_id)

    def upload_actuals(self, workflow_id: str, data: bytes, filename: str, *, replace: bool = False,
                       confirm_missing_as_zero: bool = False, confirm_partial_week: bool = False,
                       by: str = "planner", column_map: dict[str, str] | None = None) -> StatusDocument:
        """`confirm_partial_week` stores a file lacking whole days of its week (else PartialWeek
        names them); its variance is then against the plan for its days only. `column_map` reads a
        file with its own column names; without one, the mapping remembered for the file's layout,
        else the one the data set was read with, applies."""
        from core.domain.ingest.mapping import check_mapping

        refuse_oversize([("actuals", data, clean_filename(filename))])  # before any database work
        mapping = check_mapping(column_map) if column_map is not None else None
        self.resume(workflow_id)
        self.commands.upload(workflow_id, data, filename, replace=replace,
                             confirm_missing_as_zero=confirm_missing_as_zero,
                             confirm_partial_week=confirm_partial_week, by=by, column_map=mapping)
        return self.queries.status(workflow_id)

    def close_season(self, workflow_id: str, by: str = "planner") -> StatusDocument:
        self.resume(workflow_id)
        self.commands.close(workflow_id, by)
        return self.queries.status(workflow_id)

    def retry(self, workflow_id: str) -> StatusDocument:
        """Run a failed step again; a pending step that nobody runs (its process died, or no worker
        took it) is handed to the executor again instead."""
        if self.steps.pending_unclaimed(workflow_id) is not None:
            with self._sent_lock:
                self._sent[workflow_id] = self.clock()
            self.executor.submit(workflow_id)
        else:
            self.commands.retry(workflow_id)
        return self.queries.status(workflow_id)

    # ================================================================== queries
    def status(self, workflow_id: str) -> StatusDocument:
        """A read: never runs, sends or writes anything (a dead claim is the sweep's business)."""
        return self.queries.status(workflow_id)

    def list_workflows(self) -> list[WorkflowSummary]:
        return self.queries.list_workflows()

    def events(self, workflow_id: str, after_id: int = 0) -> list[EventView]:
        return self.queries.events(workflow_id, after_id)

    def approvals(self, workflow_id: str) -> list[ApprovalView]:
        return self.queries.approvals(workflow_id)

    def uploads(self, workflow_id: str) -> list[dict[str, Any]]:
        return self.queries.uploads(workflow_id)

    def forecast_revisions(self, workflow_id: str) -> list[dict[str, Any]]:
        return self.queries.forecast_revisions(workflow_id)

    def report(self, workflow_id: str) -> SeasonReport:
        return self.queries.report(workflow_id)

def default_executor_kind(fallback: str) -> str:
    """`celery` when SEASON_PLANNER_BROKER_URL is set, else `fallback` (the CLI: inline; the dashboard: thread)."""
    return default_kind(fallback)


def _on_dataset_calendar(params: SeasonParameters, info: DatasetInfo) -> SeasonParameters:
    """The season runs on its dataset's weeks: the history was summed into weeks of that day."""
    if params.week_start == info.week_start:
        return params
    if params.week_start != "monday":
        raise ParameterError(f"week_start = {params.week_start!r} does not match the data set's weeks, which start "
                             f"on {info.week_start}: import the data again with that week start to plan on it")
    data = params.model_dump(exclude={"season_start_requested"})
    data["season_start"] = params.season_start_requested or params.season_start
    data["week_start"] = info.week_start
    return make_parameters(data)


def _demo_files(files: Any) -> tuple[bytes, bytes]:
    if isinstance(files, dict):
        keys = {k.lower(): k for k in files}
        h = next(files[keys[k]] for k in keys if "history" in k)
        s = next(files[keys[k]] for k in keys if "store" in k)
        return h, s
    history, stores = files[0], files[1]
    return history, stores
