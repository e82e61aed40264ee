"""Whole demo seasons through PlannerService, with the workflow's invariants checked after every action.

Each combination of parameters, order decision, markdown decision and demand scenario drives the
built-in demo category through all twelve weeks. After every upload and every decision the status
document is checked against numbers worked out here, independently of the engine: units are
conserved between the order, the stores and the DC; weeks, variances and re-forecast flags follow
docs/planning-rules.md §4.7; history (observed plans, the original forecast) never changes; the markdown follows
docs/planning-rules.md §4.8 from the actuals; replenishment follows the strategy (docs/planning-rules.md §4.6);
the report agrees with what was sold and decided.

Not an invariant: sold <= shipped per store. Actuals are what the shops report and the service
stores them as given (docs/planning-rules.md §3/4.9 count the weeks where cumulative sold reached shipped as
stockouts rather than rejecting them), so a store may report more than it was sent.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from core.demo import SEASON_START, demo_actuals_bytes
from core.orchestrator.steps.states import State
from core.orchestrator.queries.status import StatusDocument
from tests.orchestrator.helpers import new_service

CATEGORY = "Women's Dresses"
HORIZON = 12
TOL = 1e-6


@dataclass(frozen=True)
class Combo:
    replenishment: str
    dc_holdback: float
    markdown_week: int | None
    order: str  # accept | down | up
    markdown: str  # accept | modify (ignored without a markdown gate)
    scenario: str  # normal | high | low

    @property
    def id(self) -> str:
        md = f"md{self.markdown_week}-{self.markdown}" if self.markdown_week else "no-md"
        return f"{self.replenishment}-hold{self.dc_holdback}-{md}-order_{self.order}-{self.scenario}"


COMBOS = [
    Combo("weekly", 0.45, 6, "accept", "accept", "normal"),
    Combo("bi-weekly", 0.2, None, "up", "accept", "high"),
    Combo("none", 0.0, 6, "down", "modify", "low"),
    Combo("weekly", 0.2, 6, "down", "modify", "high"),
    Combo("bi-weekly", 0.45, 6, "accept", "accept", "low"),
    Combo("none", 0.0, None, "accept", "accept", "normal"),
    # Edges: a checkpoint already above target (no gate), and a checkpoint in the final week
    # (the decision itself closes the season).
    Combo("weekly", 0.2, 8, "down", "accept", "high"),
    Combo("bi-weekly", 0.45, 12, "up", "modify", "low"),
]


def _round_half_up(x: float) -> int:
    return int(Decimal(repr(x)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def expected_depth(sell_through: float, *, target: float, elasticity: float, step: float, cap: float) -> float:
    """docs/planning-rules.md §4.8 by hand: depth = min(cap, round(gap x elasticity / step) x step), 0 when gap <= 0."""
    gap = round(target - sell_through, 9)
    if gap <= 0:
        return 0.0
    return min(cap, _round_half_up(round(gap * elasticity / step, 9)) * step)


def week_by_store(scenario: str, week: int) -> dict[str, int]:
    """The demo CSV's units per store for the category, read with the csv module (not the ingest code)."""
    out: dict[str, int] = {}
    for row in csv.DictReader(io.StringIO(demo_actuals_bytes(scenario, week).decode())):
        if row["category"] == CATEGORY:
            out[row["store_id"]] = out.get(row["store_id"], 0) + int(row["quantity_sold"])
    return out


@dataclass
class Tracker:
    """What this test knows independently of the service, plus the previous document to compare against."""

    combo: Combo
    approved: int | None = None
    sold: dict[str, int] = field(default_factory=dict)  # cumulative per store
    week_totals: list[int] = field(default_factory=list)
    observed_plan: dict[int, float] = field(default_factory=dict)  # week -> plan when it was observed
    original: list[float] | None = None
    prev: StatusDocument | None = None
    accepted: int = 0
    modified: int = 0
    markdown_depth: float | None = None
    weekly_sold: dict[str, list[int]] = field(default_factory=dict)  # store -> units per week
    available: dict[str, list[int]] = field(default_factory=dict)  # store -> units shipped by the start of each week

    # ---- checks run on every document -------------------------------------------------------

    def check(self, doc: StatusDocument, action: str) -> None:
        where = f"{self.combo.id} after {action}"
        p = doc.parameters
        if self.prev is not None:
            assert doc.version > self.prev.version, f"{where}: version {self.prev.version} -> {doc.version}"
            # Every action writes at least one event (variance, approval decided, ...), and none is ever lost.
            assert doc.events > self.prev.events, f"{where}: events {self.prev.events} -> {doc.events}"
        assert doc.last_error is None, f"{where}: {doc.last_error}"
        assert doc.state != State.NEEDS_ATTENTION, where

        self._check_forecast(doc, where)
        if self.approved is not None and doc.allocation:
            # Skips are recorded when the season starts (the allocate step), not before the order gate.
            self._check_skips(doc, where)
            self._check_units(doc, where)
            self._check_weeks(doc, where)
            self._check_replenishment(doc, where)
        if p["markdown_week"] is None:
            assert doc.markdown is None, where
            assert doc.state != State.AWAITING_MARKDOWN_APPROVAL, where
        self.prev = doc

    def _check_forecast(self, doc: StatusDocument, where: str) -> None:
        assert doc.forecast is not None, where
        weekly = doc.forecast["weekly"]
        starts = [(SEASON_START + timedelta(weeks=i)).isoformat() for i in range(HORIZON)]
        assert [w["week"] for w in weekly] == list(range(1, HORIZON + 1)), where
        assert [w["start"] for w in weekly] == starts, where
        original = [w["original"] for w in weekly]
        if self.original is None:
            self.original = original
            # Before anything is observed the current plan is the original one.
            assert [w["plan"] for w in weekly] == original, where
        assert original == self.original, f"{where}: the original forecast changed"
        for w in weekly:
            assert w["plan"] >= 0 and w["lo"] <= w["hi"] + TOL, f"{where}: {w}"
        # History is history: a week's plan, once observed, never changes with later re-forecasts.
        for week, plan in self.observed_plan.items():
            assert weekly[week - 1]["plan"] == pytest.approx(plan, abs=1e-3), (
                f"{where}: plan of observed week {week} changed {plan} -> {weekly[week - 1]['plan']}")

    def _check_skips(self, doc: StatusDocument, where: str) -> None:
        reasons = [(s["phase"], s["reason"]) for s in doc.skipped]
        if self.combo.replenishment == "none":
            assert ("in-season", "Replenishment skipped: strategy is none") in reasons, f"{where}: {reasons}"
        else:
            assert not any("strategy is none" in r for _, r in reasons), where
        if self.combo.markdown_week is None:
            assert any(ph == "markdown" and "no markdown week" in r for ph, r in reasons), f"{where}: {reasons}"

    def _check_units(self, doc: StatusDocument, where: str) -> None:
        approved = self.approved
        assert approved is not None
        alloc = doc.allocation
        season_total = sum(a["season_total"] for a in alloc)
        shipped = sum(a["shipped"] for a in alloc)
        assert season_total == approved, f"{where}: store season totals {season_total} != approved {approved}"
        assert doc.dc_on_hand is not None and doc.dc_on_hand >= 0, f"{where}: dc_on_hand {doc.dc_on_hand}"
        assert shipped + doc.dc_on_hand == approved, (
            f"{where}: shipped {shipped} + DC {doc.dc_on_hand} != approved {approved}")
        assert sum(c["units"] for c in doc.clusters) == approved, where
        for a in alloc:
            # Replenishment follows demand, not the season allocation: a store selling above its
            # share may receive more than its season total; its notional DC reserve is then 0, never negative.
            assert 0 <= a["initial"] <= a["shipped"], f"{where}: {a}"
            assert a["dc_reserve"] == max(0, a["season_total"] - a["shipped"]), f"{where}: {a}"
            assert a["sold"] == self.sold.get(a["store_id"], 0), (
                f"{where}: store {a['store_id']} sold {a['sold']} != uploaded {self.sold.get(a['store_id'], 0)}")
        initial = sum(a["initial"] for a in alloc)
        hold = self.combo.dc_holdback
        if hold == 0:
            assert initial == approved, where
        else:
            # Per-store rounding of season_total x (1 - holdback): off by at most one unit per store.
            assert abs(initial - approved * (1 - hold)) <= len(alloc), f"{where}: initial {initial}"
        if self.prev is not None and self.prev.allocation:
            before = {a["store_id"]: a["shipped"] for a in self.prev.allocation}
            for a in alloc:
                assert a["shipped"] >= before[a["store_id"]], f"{where}: shipped went down for {a['store_id']}"

    def _check_weeks(self, doc: StatusDocument, where: str) -> None:
        p = doc.parameters
        k = len(self.week_totals)
        assert doc.weeks_done == k, where
        assert [w["week"] for w in doc.weeks] == list(range(1, k + 1)), where
        for w in doc.weeks:
            i = w["week"]
            assert w["start"] == (SEASON_START + timedelta(weeks=i - 1)).isoformat(), where
            assert w["actual"] == self.week_totals[i - 1], f"{where}: week {i} actual {w['actual']}"
            assert w["plan"] > 0, where
            variance = (w["actual"] - w["plan"]) / w["plan"]
            assert w["variance"] == pytest.approx(variance, abs=TOL), f"{where}: week {i}"
            above = abs(variance) > p["variance_threshold"]
            assert w["reforecast"] == (above and i < HORIZON), (
                f"{where}: week {i} variance {variance:+.4f} threshold {p['variance_threshold']} "
                f"reforecast {w['reforecast']}")
            assert w["above_threshold"] == above, where
            assert w["original"] == pytest.approx(self.original[i - 1], abs=1e-3), where  # type: ignore[index]
            if i not in self.observed_plan:
                self.observed_plan[i] = w["plan"]
            # The row's plan is the plan the week was judged against, which is the forecast's plan for it.
            assert w["plan"] == pytest.approx(self.observed_plan[i], abs=1e-3), where
        assert sum(a["sold"] for a in doc.allocation) == sum(self.week_totals), where

    def _check_replenishment(self, doc: StatusDocument, where: str) -> None:
        lines = doc.replenishment
        strategy = self.combo.replenishment
        if strategy == "none":
            assert lines == [], where
            assert doc.dc_on_hand == 0, where
            return
        for line in lines:
            assert line["qty"] >= 0, f"{where}: {line}"
            assert 1 <= line["week"] < HORIZON, f"{where}: {line}"
            if strategy == "bi-weekly":
                assert line["week"] % 2 == 0, f"{where}: bi-weekly line after odd week: {line}"
        prev_lines = len(self.prev.replenishment) if self.prev is not None else 0
        assert lines[:prev_lines] == (self.prev.replenishment if self.prev is not None else []), (
            f"{where}: earlier replenishment lines changed")
        new = lines[prev_lines:]
        if new and self.prev is not None and self.prev.dc_on_hand is not None:
            week = len(self.week_totals)
            assert {l["week"] for l in new} == {week}, f"{where}: new lines for weeks {({l['week'] for l in new})}"
            shipped_now = sum(l["qty"] for l in new)
            assert shipped_now <= self.prev.dc_on_hand, (
                f"{where}: shipped {shipped_now} from a DC holding {self.prev.dc_on_hand}")
            assert doc.dc_on_hand == self.prev.dc_on_hand - shipped_now, where
            by_store: dict[str, int] = {}
            for l in new:
                by_store[l["store_id"]] = by_store.get(l["store_id"], 0) + l["qty"]
            before = {a["store_id"]: a["shipped"] for a in self.prev.allocation}
            for a in doc.allocation:
                assert a["shipped"] - before[a["store_id"]] == by_store.get(a["store_id"], 0), f"{where}: {a}"
            self._check_demand_rule(doc, new, before, week, where)

    def _check_demand_rule(self, doc: StatusDocument, new: list, before: dict[str, int], week: int,
                           where: str) -> None:
        """By hand: need = the store's share of the current plan for the next cycle x (1 + safety
        stock); ship = ceil(need - on hand) when the DC holds enough, never more; one line per store."""
        p = doc.parameters
        cycle = min(2 if self.combo.replenishment == "bi-weekly" else 1, HORIZON - week)
        plan = sum(w["plan"] for w in doc.forecast["weekly"][week:week + cycle])  # type: ignore[index]
        total = sum(a["season_total"] for a in doc.allocation)
        lines = {l["store_id"]: l for l in new}
        assert set(lines) == {a["store_id"] for a in doc.allocation}, f"{where}: one line per store"
        wanted = {}
        for a in doc.allocation:
            need = a["season_total"] / total * plan * (1 + p["safety_stock"])
            on_hand = max(0, before[a["store_id"]] - a["sold"])
            wanted[a["store_id"]] = max(0, math.ceil(round(need - on_hand, 6)))
            line = lines[a["store_id"]]
            assert line["on_hand"] == on_hand and line["need"] == pytest.approx(need, abs=1e-3), f"{where}: {line}"
            assert line["qty"] <= wanted[a["store_id"]], f"{where}: {line} wanted {wanted[a['store_id']]}"
            assert (line["qty"] == 0) == bool(line["reason"]), f"{where}: {line}"
        if sum(wanted.values()) <= (self.prev.dc_on_hand or 0):  # type: ignore[union-attr]
            assert {s: l["qty"] for s, l in lines.items()} == wanted, where

    # ---- checks tied to one action ------------------------------------------------------------

    def before_upload(self) -> None:
        """What each store had received when the week began (initial + replenishment so far)."""
        assert self.prev is not None
        for a in self.prev.allocation:
            self.available.setdefault(a["store_id"], []).append(a["shipped"])

    def after_upload(self, doc: StatusDocument, week: int, by_store: dict[str, int]) -> None:
        for sid, q in by_store.items():
            self.sold[sid] = self.sold.get(sid, 0) + q
        for a in doc.allocation:
            self.weekly_sold.setdefault(a["store_id"], []).append(by_store.get(a["store_id"], 0))
        self.week_totals.append(sum(by_store.values()))
        prev = self.prev
        self.check(doc, f"week {week}")
        p = doc.parameters
        lines_now = len(doc.replenishment) - len(prev.replenishment if prev else [])
        strategy = self.combo.replenishment
        if strategy == "none" or week == HORIZON or (strategy == "bi-weekly" and week % 2):
            assert lines_now == 0, f"{self.combo.id} week {week}: {lines_now} replenishment lines"
        if week == p["markdown_week"]:
            self._check_markdown_proposal(doc, week)
        elif self.markdown_depth is None and p["markdown_week"] is not None and week < p["markdown_week"]:
            assert doc.markdown is None, f"{self.combo.id} week {week}: markdown before the checkpoint"
        if week == HORIZON and doc.state != State.AWAITING_MARKDOWN_APPROVAL:
            assert doc.state == State.CLOSED, f"{self.combo.id}: state {doc.state} after the last week"
        elif doc.state != State.AWAITING_MARKDOWN_APPROVAL:
            assert doc.state == State.IN_SEASON, f"{self.combo.id} week {week}: state {doc.state}"

    def _check_markdown_proposal(self, doc: StatusDocument, week: int) -> None:
        p = doc.parameters
        where = f"{self.combo.id} markdown at week {week}"
        assert self.approved
        sell_through = sum(self.week_totals) / self.approved
        depth = expected_depth(sell_through, target=p["markdown_target"], elasticity=p["markdown_elasticity"],
                               step=p["markdown_step"], cap=p["markdown_cap"])
        md = doc.markdown
        assert md is not None and md["week"] == week, where
        assert md["sell_through"] == pytest.approx(sell_through, abs=TOL), where
        assert md["rule_depth"] == pytest.approx(depth, abs=1e-9), (
            f"{where}: ST {sell_through:.4f} -> {md['rule_depth']}"
        )
        # The gate proposes the depth of highest expected value of the stock on hand (ties: the shallower);
        # without a price, none when the current plan reaches the target by season end (sold + the
        # remaining weeks' plan, capped by stock), else the rule's depth.
        rest = sum(w["plan"] for w in doc.forecast["weekly"][week:])  # type: ignore[index]
        sold = sum(self.week_totals)
        projected = (sold + min(self.approved - sold, rest)) / self.approved
        if md["options"][0]["value"] is not None:
            proposed = max(md["options"], key=lambda o: (round(o["value"], 6), -o["depth"]))["depth"]
        else:
            proposed = 0.0 if projected >= p["markdown_target"] - 1e-9 else depth
        assert md["proposed"] == pytest.approx(proposed, abs=1e-9), f"{where}: projected {projected:.4f}"
        assert [o["depth"] for o in md["options"]][0] == 0.0 and md["options"][-1]["depth"] == p["markdown_cap"]
        assert md["options"][0]["sell_through"] == pytest.approx(projected, abs=1e-5), where
        if depth > 0:
            assert doc.state == State.AWAITING_MARKDOWN_APPROVAL, where
            assert doc.pending is not None and doc.pending["kind"] == "markdown", where
            assert doc.pending["proposal"] == pytest.approx(proposed), where
            assert [o["depth"] for o in doc.pending["options"]] == [o["depth"] for o in md["options"]], where
        else:
            assert doc.state != State.AWAITING_MARKDOWN_APPROVAL and doc.pending is None, where
            assert any(s["phase"] == "markdown" for s in doc.skipped), where

    def after_markdown_decision(self, doc: StatusDocument, depth: float, status: str) -> None:
        gate = self.prev
        assert gate is not None
        self.check(doc, f"markdown {status}")
        where = f"{self.combo.id} markdown {status}"
        # docs/planning-rules.md §4.8: the weeks after the checkpoint are re-planned with
        # demand x (1 - depth)^(-price_elasticity).
        week = gate.markdown["week"]  # type: ignore[index]
        factor = (1 - depth) ** (-doc.parameters["price_elasticity"])
        for before, after in zip(gate.forecast["weekly"][week:], doc.forecast["weekly"][week:]):  # type: ignore[index]
            assert after["plan"] == pytest.approx(before["plan"] * factor, rel=1e-4, abs=1e-3), (
                f"{where}: week {after['week']} plan {before['plan']} x {factor:.4f} != {after['plan']}")
        assert doc.pending is None, where
        expected_state = State.CLOSED if doc.weeks_done == HORIZON else State.IN_SEASON
        assert doc.state == expected_state, where
        assert doc.markdown is not None and doc.markdown["approved"] == pytest.approx(depth), where
        assert doc.markdown["decision"] == status, where
        self.markdown_depth = depth


def expected_stockouts(t: Tracker) -> int:
    """docs/planning-rules.md §4.9 by hand: store-weeks where the store's cumulative sold reached what it had
    received."""
    count = 0
    for sid, sold in t.weekly_sold.items():
        cum = 0
        for w, q in enumerate(sold):
            cum += q
            count += cum >= t.available[sid][w]
    return count


def accuracy(actual: list[int], plan: list[float]) -> tuple[float, float, float]:
    """(MAPE, WAPE, bias) as the report module defines them, worked out here."""
    mape = sum(abs(a - p) / a for a, p in zip(actual, plan) if a > 0) / sum(1 for a in actual if a > 0)
    wape = sum(abs(a - p) for a, p in zip(actual, plan)) / sum(actual)
    bias = (sum(plan) - sum(actual)) / sum(actual)
    return mape, wape, bias


def _order_decision(svc: Any, wf: str, combo: Combo, proposed: int) -> tuple[StatusDocument, int]:
    if combo.order == "accept":
        return svc.decide(wf, accept=True), proposed
    qty = math.floor(proposed * 0.8) if combo.order == "down" else math.ceil(proposed * 1.15)
    return svc.decide(wf, accept=False, value=qty, reason=f"invariants test: order {combo.order}"), qty


@pytest.mark.parametrize("combo", COMBOS, ids=lambda c: c.id)
def test_demo_season_keeps_its_invariants(db_url: str, combo: Combo) -> None:
    svc = new_service(db_url)
    ds = svc.ensure_demo_dataset()
    # The safety-stock order policy: this test works docs/planning-rules.md §4.3's rule out by hand (the profit policy:
    # tests/domain/test_order_profit.py, tests/orchestrator/test_service_season.py).
    params = {"category": CATEGORY, "season_start": SEASON_START.isoformat(), "horizon_weeks": HORIZON,
              "replenishment": combo.replenishment, "dc_holdback": combo.dc_holdback,
              "markdown_week": combo.markdown_week, "order_policy": "safety_stock"}
    t = Tracker(combo)
    doc = svc.start_workflow(params, dataset_id=ds.id)
    wf = doc.workflow_id
    t.check(doc, "start")
    assert doc.state == State.AWAITING_ORDER_APPROVAL
    assert doc.pending is not None and doc.pending["kind"] == "order"
    proposed = doc.pending["proposal"]
    p = doc.parameters
    # docs/planning-rules.md §4.3 by hand from the forecast total and the safety stock.
    assert proposed == math.ceil(round(doc.forecast["total"] * (1 + p["safety_stock"]), 6))
    assert doc.order["proposed"] == proposed and doc.order["approved"] is None and doc.allocation == []

    doc, qty = _order_decision(svc, wf, combo, proposed)
    if combo.order == "accept":
        t.accepted += 1
    else:
        t.modified += 1
    t.approved = qty
    t.check(doc, f"order {combo.order}")
    assert doc.state == State.IN_SEASON and doc.order["approved"] == qty
    assert len(doc.allocation) == 50 and all(a["shipped"] == a["initial"] for a in doc.allocation)

    markdown_gates = 0
    for week in range(1, HORIZON + 1):
        by_store = week_by_store(combo.scenario, week)
        t.before_upload()
        doc = svc.upload_actuals(wf, demo_actuals_bytes(combo.scenario, week), f"week_{week:02d}.csv")
        t.after_upload(doc, week, by_store)
        if doc.state == State.AWAITING_MARKDOWN_APPROVAL:
            markdown_gates += 1
            proposal = doc.pending["proposal"]
            if combo.markdown == "accept":
                doc = svc.decide(wf, accept=True)
                t.accepted += 1
                t.after_markdown_decision(doc, proposal, "accepted")
            else:
                depth = round(max(0.0, proposal - 0.1), 2) if proposal >= 0.1 else 0.1
                doc = svc.decide(wf, accept=False, value=depth, reason="invariants test: shallower markdown")
                t.modified += 1
                t.after_markdown_decision(doc, depth, "modified")

    if combo.markdown_week is None:
        assert markdown_gates == 0
    if combo.replenishment != "none":
        # The demo season must exercise replenishment, or its invariants above would be vacuous.
        assert doc.replenishment and sum(l["qty"] for l in doc.replenishment) > 0
    assert doc.state == State.CLOSED and doc.report_available
    report = svc.report(wf)
    sold = sum(t.week_totals)
    assert report.weeks_observed == HORIZON
    assert report.sell_through == pytest.approx(sold / qty, abs=TOL)
    # Overstock is what was left unsold; a season that sold more than the order left none (never negative).
    assert report.overstock_units == max(0, qty - sold)
    assert report.approvals == {"accepted": t.accepted, "modified": t.modified}
    assert report.reforecast_weeks == [w["week"] for w in doc.weeks if w["reforecast"]]
    assert report.stockout_store_weeks == expected_stockouts(t)
    for name, plan in (("original", t.original), ("final", [t.observed_plan[w] for w in range(1, HORIZON + 1)])):
        mape, wape, bias = accuracy(t.week_totals, plan)  # type: ignore[arg-type]
        assert report.mape[name] == pytest.approx(mape, abs=1e-5), name
        assert report.wape[name] == pytest.approx(wape, abs=1e-5), name
        assert report.bias[name] == pytest.approx(bias, abs=1e-5), name
    depth = t.markdown_depth or 0.0
    md_units = sum(t.week_totals[combo.markdown_week:]) if combo.markdown_week and depth > 0 else 0
    assert report.markdown_units == md_units
    assert report.markdown_cost == pytest.approx(md_units * report.unit_price * depth, abs=0.01)
    approvals = svc.approvals(wf)
    assert [a.status for a in approvals].count("accepted") == t.accepted
    assert [a.status for a in approvals].count("modified") == t.modified
    assert all(a.status != "pending" for a in approvals) and approvals[0].kind == "order"
    assert approvals[0].decided == qty
    # The report reads the same from a fresh service on the same database (nothing lived in memory).
    again = new_service(db_url).status(wf)
    assert again.version == doc.version and again.allocation == doc.allocation and again.weeks == doc.weeks
