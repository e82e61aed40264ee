"""The step engine: claim the pending step, run it as a pure function, commit, then explain.

One contract for every step (docs/architecture.md, "Step engine"):
  1. claim: a lease on the workflow's pending step (leases.py); a live claim of someone else means
     the step is running elsewhere and this call does nothing;
  2. run: read the step's inputs (step_inputs.load_inputs), then `compute` them - pure, typed, the
     clock passed in as `now` - retrying transient failures 3 times (1 s, 2 s, 4 s);
  3. commit, in ONE transaction: the result (approvals, forecast and plan revisions, events), the
     new state with the version check, and the release of the claim (a claim taken over by another
     process in the meantime makes this commit fail, so a step's result is stored exactly once);
  4. after the commit, best effort: the explanations the step asked for (templates or an LLM) are
     written as their own events; an LLM outage or a slow model never holds a step or a lock.
A step that fails for good moves the workflow to needs_attention with the error (and a Retry).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.exc import IntegrityError

from core.db.engine import DatabaseUnavailable
from core.db.repository import UnitOfWork
from core.domain.errors import ConcurrencyConflict
from core.orchestrator.steps import preseason as st
from core.orchestrator.steps.context import Attention, WorkflowContext
from core.orchestrator.engine.queued_weeks import take_next_queued_week
from core.orchestrator.engine.leases import HEARTBEAT_S, LEASE_TTL_S, LIVE, expiry, this_process, why_dead
from core.orchestrator.engine.retries import (
    DEFAULT_DELAYS,
    RETRY_WILL_NOT_HELP,
    is_permanent,
    is_transient,
    run_with_retries,
)
from core.orchestrator.steps.results import error_text, step_fallback_event
from core.orchestrator.steps.states import State, check_transition
from core.orchestrator.engine.step_inputs import StepInputs, compute, load_inputs

log = logging.getLogger(__name__)
MAX_CHAINED_STEPS = 200  # a step and the queued weeks it lets through (a season has at most 52 weeks)
StepHook = Callable[[str, dict[str, Any]], None]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class LostClaim(Exception):
    """Another process took this step's claim over (we were judged dead): its result counts."""


@dataclass(frozen=True)
class PendingStep:
    name: str
    asked_at: datetime
    claim_died: bool  # False: never claimed yet (e.g. still queued for a worker)


@dataclass(frozen=True)
class Claim:
    workflow_id: str
    token: str
    step: str
    claimed_at: datetime


class StepEngine:
    def __init__(self, uow: UnitOfWork, db_url: str, *, clock: Callable[[], datetime] = utcnow,
                 sleep: Callable[[float], None] = time.sleep, retry_delays: Sequence[float] = DEFAULT_DELAYS,
                 step_warning_s: float = 60.0, lease_ttl_s: float = LEASE_TTL_S, heartbeat_s: float = HEARTBEAT_S,
                 fault_hook: StepHook | None = None, before_commit: StepHook | None = None,
                 llm_settings: Any = None):
        self.uow = uow
        self.db_url = db_url
        self.clock = clock
        # Leases are timed by the database's clock (one clock for all hosts); an injected clock (tests
        # that move time) times them itself.
        self.lease_from_db = clock is utcnow
        self.sleep = sleep
        self.retry_delays = tuple(retry_delays)
        self.step_warning_s = step_warning_s
        self.lease_ttl_s = lease_ttl_s
        self.heartbeat_s = heartbeat_s
        self.fault_hook = fault_hook  # injected faults, called before each attempt's computation
        self.before_commit = before_commit  # injected, called after computing, before the commit
        self.llm_settings = llm_settings

    # ------------------------------------------------------------------ the contract
    def run(self, workflow_id: str) -> bool:
        """Run the workflow's pending step if nobody else is; True when this call ran one. A step whose
        commit took a queued week from the queue is followed by that week's step, here."""
        ran = False
        for _ in range(MAX_CHAINED_STEPS):
            if not self._run_once(workflow_id):
                break
            ran = True
            if self.pending_unclaimed(workflow_id) is None:
                break
        return ran

    def _run_once(self, workflow_id: str) -> bool:
        claim = self.claim(workflow_id)
        if claim is None:
            return False
        LIVE.add(claim.token)
        stop = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(claim, stop), daemon=True, name=f"lease-{workflow_id}")
        beat.start()
        timer = threading.Timer(self.step_warning_s, self._slow_warning, args=(workflow_id, claim.step))
        timer.daemon = True
        timer.start()
        try:
            result = self._run_claimed(claim)
        finally:
            stop.set()
            timer.cancel()
            LIVE.discard(claim.token)
        if result is not None:
            self._explain_after(workflow_id, claim.step, result)
        return True

    def step_pending(self, workflow_id: str) -> bool:
        """A step is recorded and not yet committed (whoever runs it, or nobody)."""
        with self.uow.read() as repo:
            return bool((repo.workflow(workflow_id).context or {}).get("step"))

    def pending_unclaimed(self, workflow_id: str) -> PendingStep | None:
        """The pending step when nobody runs it (never claimed, or its claim died); None otherwise."""
        with self.uow.read() as repo:
            wf = repo.workflow(workflow_id)
            marker = (wf.context or {}).get("step")
            if not marker:
                return None
            lease = repo.lease(workflow_id)
            if lease is not None and why_dead(lease, self._lease_now(repo)) is None:
                return None
            asked = datetime.fromisoformat(str(marker["started_at"]).replace("Z", "+00:00"))
            return PendingStep(name=str(marker["name"]), asked_at=asked, claim_died=lease is not None)

    def abandoned(self) -> list[str]:
        """The engine's sweep: workflows whose pending step nobody runs (never claimed, or its claim died)."""
        with self.uow.read() as repo:
            ids = [wf.id for wf in repo.workflows() if (wf.context or {}).get("step")]
        return [wid for wid in ids if self.pending_unclaimed(wid) is not None]

    def claim(self, workflow_id: str) -> Claim | None:
        """Take the pending step's claim: a new lease, or the takeover of a dead one (with an event)."""
        me = this_process()
        try:
            with self.uow.begin() as repo:
                wf = repo.workflow(workflow_id)
                marker = (wf.context or {}).get("step")
                if not marker:
                    return None
                now = self._lease_now(repo)
                lease = repo.lease(workflow_id, for_update=True)
                replacing, dead = None, None
                if lease is not None:
                    dead = why_dead(lease, now, me)
                    if dead is None:
                        return None
                    replacing = lease.token
                token = secrets.token_hex(16)
                if not repo.put_lease(workflow_id, replacing=replacing, token=token, step=str(marker["name"]),
                                      owner=me.owner, host=me.host, pid=me.pid, process_start=me.process_start,
                                      claimed_at=now, heartbeat_at=now, expires_at=expiry(now, self.lease_ttl_s)):
                    return None
                if lease is not None and dead is not None:
                    repo.add_event(workflow_id, "resumed", f"Step {marker['name']} was interrupted ({dead}); "
                                   "running it again", step=str(marker["name"]),
                                   data={"reason": dead, "pid": lease.pid, "host": lease.host})
                return Claim(workflow_id=workflow_id, token=token, step=str(marker["name"]), claimed_at=now)
        except IntegrityError:
            # Two claimers at once: the loser's insert or update fails; the winner runs the step.
            return None

    def _lease_now(self, repo: Any) -> datetime:
        return repo.db_now() if self.lease_from_db else self.clock()

    # ------------------------------------------------------------------ running
    def _run_claimed(self, claim: Claim) -> st.StepResult | None:
        attempts = 0
        t0 = time.perf_counter()

        def attempt() -> st.StepResult | None:
            nonlocal attempts
            attempts += 1
            return self._attempt(claim, t0)

        def on_retry(n: int, delay: float, exc: BaseException) -> None:
            self._quiet_event(claim.workflow_id, "retry", f"Step {claim.step} failed ({error_text(exc)}); retry {n} "
                              f"of {len(self.retry_delays)} in {delay:g} s", claim.step,
                              {"attempt": n, "delay_s": delay, "error": error_text(exc)})

        try:
            return run_with_retries(attempt, delays=self.retry_delays, sleep=self.sleep, on_retry=on_retry)
        except LostClaim:
            return None
        except DatabaseUnavailable:
            raise  # the claim stays; it is dead once this attempt ends, so the next caller resumes it
        except Exception as exc:  # failed for good: keep the error, offer retry
            self._fail(claim, exc, attempts)
            return None

    def _attempt(self, claim: Claim, t0: float) -> st.StepResult | None:
        with self.uow.read() as repo:
            inputs = load_inputs(repo, claim.workflow_id, self.db_url, self.clock())
        if inputs is None:
            return None
        if self.fault_hook is not None:
            self.fault_hook(inputs.marker.name, dict(inputs.marker.args))
        result = compute(inputs)
        check_transition(inputs.state, result.state)
        if self.before_commit is not None:
            self.before_commit(inputs.marker.name, dict(inputs.marker.args))
        self._commit(claim, inputs, result, time.perf_counter() - t0)
        return result

    def _commit(self, claim: Claim, inputs: StepInputs, result: st.StepResult, elapsed: float) -> None:
        wid, name = claim.workflow_id, inputs.marker.name
        ctx = result.context
        ctx.step = None
        ctx.attention = None
        ctx.step_seconds[name] = round(elapsed, 4)
        with self.uow.begin() as repo:
            if not repo.release_lease(wid, claim.token):
                raise LostClaim(wid)
            if result.approval is not None:
                a = result.approval
                approval_id = repo.add_approval(wid, a.kind, a.proposed, week=a.week, details=a.details)
                if a.kind == "order" and ctx.order is not None:
                    ctx.order.approval_id = approval_id
                elif a.kind == "markdown" and ctx.season is not None and ctx.season.markdown is not None:
                    ctx.season.markdown.approval_id = approval_id
            for rev, reason, week, fc in result.forecasts:
                repo.add_forecast_revision(wid, rev, reason, week, fc.total, fc.model_dump(mode="json"))
            for kind, rev, week, data in result.plans:
                repo.add_plan_revision(wid, kind, rev, week, data)
            for ev in result.events:
                repo.add_event(wid, ev.kind, ev.message, step=ev.step, data=ev.data)
            # waited_s: from the action that asked for the step to the claim (the queue latency)
            waited = (claim.claimed_at - inputs.marker.started_at).total_seconds()
            repo.add_event(wid, "step_done", f"Step {name} done in {elapsed:.2f} s", step=name,
                           data={"seconds": round(elapsed, 4), "state": result.state.value,
                                 "waited_s": round(waited, 4)})
            take_next_queued_week(repo, wid, ctx, result.state, self.clock())
            repo.save_workflow(wid, inputs.version, state=result.state.value, context=ctx.dump())

    def _fail(self, claim: Claim, exc: BaseException, attempts: int) -> None:
        text = error_text(exc)
        for _ in range(3):
            try:
                with self.uow.begin() as repo:
                    wf = repo.workflow(claim.workflow_id)
                    ctx = WorkflowContext.model_validate(wf.context)
                    if ctx.step is None or not repo.release_lease(claim.workflow_id, claim.token):
                        return
                    failed = ctx.step
                    permanent = is_permanent(exc)
                    ctx.attention = Attention(step=failed, error=text, error_type=type(exc).__name__,
                                              failed_at=self.clock(), attempts=attempts, permanent=permanent)
                    ctx.step = None
                    tries = f" after {attempts} attempts" if attempts > 1 else ""
                    advice = f"; {RETRY_WILL_NOT_HELP}" if permanent else ""
                    repo.add_event(claim.workflow_id, "error", f"Step {failed.name} failed{tries}: {text}{advice}",
                                   step=failed.name, data={"error": text, "type": type(exc).__name__,
                                                           "attempts": attempts, "transient": is_transient(exc),
                                                           "permanent": permanent})
                    repo.save_workflow(claim.workflow_id, wf.version, state=State.NEEDS_ATTENTION.value,
                                       context=ctx.dump(), last_error=f"{failed.name}: {text}{advice}")
                return
            except ConcurrencyConflict:
                continue

    # ------------------------------------------------------------------ around the step
    def _heartbeat(self, claim: Claim, stop: threading.Event) -> None:
        while not stop.wait(self.heartbeat_s):
            try:
                with self.uow.begin() as repo:
                    now = self._lease_now(repo)
                    if not repo.renew_lease(claim.workflow_id, claim.token, heartbeat_at=now,
                                            expires_at=expiry(now, self.lease_ttl_s)):
                        return  # released (committed) or taken over
            except Exception:  # a missed beat only shortens the lease; the commit decides
                log.warning("lease heartbeat failed for %s", claim.workflow_id, exc_info=True)

    def _explain_after(self, workflow_id: str, step: str, result: st.StepResult) -> None:
        """The explanations the step asked for, as their own events; never fails the step."""
        try:
            from core.agents import explain
        except Exception:  # agents package absent or broken: the workflow goes on without prose
            return
        events: list[st.EventSpec] = []
        for req in result.explanation_requests():
            try:
                x = explain(req.kind, req.facts, settings=self.llm_settings)
            except Exception:
                log.warning("explanation %s failed", req.kind, exc_info=True)
                continue
            data: dict[str, Any] = {"kind": req.kind, "text": x.text, "source": x.source, "week": req.week,
                    "attempts": x.attempts, "error": x.error, "at": self.clock().isoformat(),
                    "explanation_source": x.source}
            if x.error:
                data["llm_fallback"] = {"kind": req.kind, "error": x.error, "attempts": x.attempts}
            events.append(st.EventSpec("explanation", x.text, step, data))
        fallback = step_fallback_event(events, step)
        if fallback is not None:
            events.append(fallback)
        for ev in events:
            self._quiet_event(workflow_id, ev.kind, ev.message, ev.step, ev.data)

    def _slow_warning(self, workflow_id: str, step: str) -> None:
        self._quiet_event(workflow_id, "warning", f"Step {step} has been running for more than "
                          f"{self.step_warning_s:g} s", step, {"threshold_s": self.step_warning_s, "slow": True})

    def _quiet_event(self, workflow_id: str, kind: str, message: str, step: str | None, data: dict[str, Any]) -> None:
        """Events written outside a transition (retries, slow steps, explanations); best effort."""
        try:
            with self.uow.begin() as repo:
                repo.add_event(workflow_id, kind, message, step=step, data=data)
        except Exception:  # the step's own outcome is what matters; a lost notice is not fatal
            log.warning("could not write %s event for %s", kind, workflow_id, exc_info=True)
