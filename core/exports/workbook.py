"""One Excel workbook per season: the weekly plan and actuals, the store allocation, the
replenishment queue, the markdown decision and the season report, one sheet each.

Input is the status document and the season report the service hands out (typed pydantic objects;
their nested parts may be models or plain dicts, both are read). Every table ends with a totals row
of values (not formulas), so the figures read the same in any spreadsheet program and in tests.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

SHEETS = ("Weekly plan", "Store allocation", "Replenishment", "Markdown", "Report", "Parameters", "Order")
BOLD = Font(bold=True)
_NUM = "#,##0"
_PCT = "0.0%"
_MONEY = "#,##0.00"
_DATE = "yyyy-mm-dd"


def get(obj: Any, name: str, default: Any = None) -> Any:
    """A field of a model or a key of a dict."""
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def rows_of(items: Iterable[Any] | None) -> list[dict[str, Any]]:
    out = []
    for item in items or []:
        out.append(item.model_dump(mode="json") if hasattr(item, "model_dump") else dict(item))
    return out


def workbook_filename(status: Any) -> str:
    """e.g. season_womens-dresses_2026-02-23_12w.xlsx: category and season in the name."""
    params = get(status, "parameters", {}) or {}
    category = str(get(status, "category") or get(params, "category") or "season")
    slug = re.sub(r"[^a-z0-9]+", "-", category.lower().replace("'", "")).strip("-") or "category"
    start = str(get(params, "season_start") or "")[:10]
    weeks = get(params, "horizon_weeks")
    return f"season_{slug}_{start}_{weeks}w.xlsx" if weeks else f"season_{slug}_{start}.xlsx"


def _table(ws: Any, header: Sequence[str], rows: list[list[Any]], formats: dict[int, str] | None = None,
           totals: dict[int, float] | None = None, start_row: int = 1) -> int:
    """Write a header, rows and an optional totals row; returns the next free row."""
    for c, name in enumerate(header, start=1):
        ws.cell(row=start_row, column=c, value=name).font = BOLD
    r = start_row
    for r, row in enumerate(rows, start=start_row + 1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=value)
            if formats and c in formats and isinstance(value, (int, float, date)):
                cell.number_format = formats[c]
    if totals is not None:
        r += 1
        ws.cell(row=r, column=1, value="Total").font = BOLD
        for c, value in totals.items():
            cell = ws.cell(row=r, column=c, value=value)
            cell.font = BOLD
            if formats and c in formats:
                cell.number_format = formats[c]
    for c, name in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(c)].width = max(10, min(48, len(str(name)) + 4))
    return r + 2


def _day(value: Any) -> date | None:
    """A date cell (a spreadsheet date, not text)."""
    text = str(value or "")[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _units(value: Any) -> int | None:
    """Whole units: a plan of 1,234.6 units is shown and summed as 1,235 (round half up)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    return int(math.floor(float(value) + 0.5))


def _weekly(ws: Any, status: Any) -> None:
    forecast = get(status, "forecast") or {}
    plan = {int(get(w, "week")): w for w in rows_of(get(forecast, "weekly"))}
    seen = {int(get(w, "week")): w for w in rows_of(get(status, "weeks"))}
    rows = []
    for week in sorted(set(plan) | set(seen)):
        p, a = plan.get(week, {}), seen.get(week, {})
        rows.append([week, _day(get(p, "start") or get(a, "start")), _units(get(p, "original")),
                     _units(get(a, "plan", get(p, "plan"))), _units(get(p, "lo")), _units(get(p, "hi")),
                     _units(get(a, "actual")), get(a, "variance"), "yes" if get(a, "reforecast") else "",
                     _units(get(a, "emergency_qty")) or None])
    totals = {3: _sum(r[2] for r in rows), 4: _sum(r[3] for r in rows), 7: _sum(r[6] for r in rows)}
    _table(ws, ["Week", "Start", "Original forecast", "Plan", "80% low", "80% high", "Actual", "Variance",
                "Re-forecast", "Emergency reorder"], rows,
           {2: _DATE, 3: _NUM, 4: _NUM, 5: _NUM, 6: _NUM, 7: _NUM, 8: _PCT, 10: _NUM}, totals)


def _sum(values: Iterable[Any]) -> float:
    total = round(float(sum(v for v in values if isinstance(v, (int, float)))), 3)
    return int(total) if total == int(total) else total


def allocation_rows(allocation: Iterable[Any]) -> list[list[Any]]:
    """Store, cluster, season total, initial, replenished, still to ship, shipped, sold: initial +
    replenished + still to ship = season total for every store (still to ship is negative when a
    re-plan lowered a store's total below what it already received)."""
    rows = []
    for s in rows_of(allocation):
        total, initial = int(get(s, "season_total") or 0), int(get(s, "initial") or 0)
        shipped = int(get(s, "shipped") if get(s, "shipped") is not None else initial)
        rows.append([get(s, "store_id"), get(s, "cluster"), total, initial, shipped - initial, total - shipped,
                     shipped, int(get(s, "sold") or 0)])
    return rows


def _allocation(ws: Any, status: Any) -> None:
    rows = allocation_rows(get(status, "allocation"))
    totals = {i + 1: _sum(r[i] for r in rows) for i in range(2, 8)}
    nxt = _table(ws, ["Store", "Cluster", "Season total", "Initial shipment", "Replenished", "Still to ship",
                      "Shipped", "Sold"], rows, {i: _NUM for i in range(3, 9)}, totals)
    ws.cell(row=nxt, column=1, value="At the DC now (= still to ship in total)").font = BOLD
    cell = ws.cell(row=nxt, column=3, value=get(status, "dc_on_hand"))
    cell.number_format = _NUM


def _replenishment(ws: Any, status: Any) -> None:
    rows = []
    for line in rows_of(get(status, "replenishment")):
        week = get(line, "week")
        rows.append([week, get(line, "for_week", (week or 0) + 1), get(line, "store_id"), get(line, "qty"),
                     "yes" if get(line, "partial") else "", get(line, "on_hand"), get(line, "cover_weeks"),
                     get(line, "need"), get(line, "reason") or ""])
    _table(ws, ["Planned after week", "For week", "Store", "Ship", "Partial", "On hand", "Weeks of cover",
                "Need", "Why nothing ships"], rows, {4: _NUM, 6: _NUM, 7: "0.0", 8: _NUM},
           {4: _sum(r[3] for r in rows)})


def _markdown(ws: Any, status: Any) -> None:
    md = get(status, "markdown")
    pending = get(status, "pending")
    if md is None and get(pending, "kind") != "markdown":
        ws.cell(row=1, column=1, value="No markdown decision in this season")
        return
    rows = [["Checkpoint week", get(md, "week", get(pending, "week"))],
            ["Sell-through to date", get(md, "sell_through")], ["Target", get(md, "target")],
            ["Proposed depth", get(md, "proposed", get(pending, "proposal"))],
            ["Approved depth", get(md, "approved")], ["Decision", get(md, "decision") or "pending"],
            ["Why", get(md, "reason") or ""]]
    nxt = _table(ws, ["Markdown", ""], rows, {2: _PCT})
    options = rows_of(get(pending, "options") or get(md, "options"))
    if options:
        _table(ws, ["Depth", "Projected sell-through", "Leftover units", "Revenue", "Margin on units sold",
                    "Expected profit"],
               [[get(o, "depth"), get(o, "sell_through"), get(o, "leftover"), get(o, "revenue"), get(o, "margin"),
                 get(o, "profit")] for o in options], {1: _PCT, 2: _PCT, 3: _NUM, 4: _MONEY, 5: _MONEY, 6: _MONEY},
               start_row=nxt)


def _order(ws: Any, status: Any) -> None:
    """The order the season made: its policy, the proposal, the rule's quantity and the options table."""
    order = get(status, "order")
    pending = get(status, "pending")
    if order is None:
        ws.cell(row=1, column=1, value="No order yet")
        return
    rows = [["Order policy", get(order, "policy")], ["Proposed", get(order, "proposed")],
            ["Safety-stock rule", get(order, "rule_quantity")], ["Approved", get(order, "approved")],
            ["Decision", get(order, "decision") or "pending"]]
    nxt = _table(ws, ["Order", ""], rows, {2: _NUM})
    options = rows_of(get(order, "options") or (get(pending, "options") if get(pending, "kind") == "order" else []))
    if options:
        _table(ws, ["Quantity", "Expected sold", "Lost sales", "Leftover", "Revenue", "Expected profit",
                    "Profit P10", "Profit P90", ""],
               [[get(o, "quantity"), get(o, "sold"), get(o, "lost_sales"), get(o, "leftover"), get(o, "revenue"),
                 get(o, "profit"), get(get(o, "profit_quantiles") or {}, "p10"),
                 get(get(o, "profit_quantiles") or {}, "p90"), get(o, "label") or ""] for o in options],
               {1: _NUM, 2: _NUM, 3: _NUM, 4: _NUM, 5: _MONEY, 6: _MONEY, 7: _MONEY, 8: _MONEY}, start_row=nxt)


def _report(ws: Any, report: Any) -> None:
    if report is None:
        ws.cell(row=1, column=1, value="The season is not closed yet: no report")
        return
    currency = get(report, "currency", "")
    mape, wape, bias = (get(report, k) or {} for k in ("mape", "wape", "bias"))
    rows = [["MAPE (original / final plan)", get(mape, "original"), get(mape, "final")],
            ["WAPE (original / final plan)", get(wape, "original"), get(wape, "final")],
            ["Bias (original / final plan)", get(bias, "original"), get(bias, "final")],
            ["Sell-through", get(report, "sell_through"), None],
            ["Weeks observed", get(report, "weeks_observed"), None],
            ["Stockout store-weeks", get(report, "stockout_store_weeks"), None],
            ["Lost sales estimate (units)", get(report, "lost_sales_estimate"), None],
            ["Overstock (units)", get(report, "overstock_units"), None],
            ["Markdown units", get(report, "markdown_units"), None],
            [f"Markdown cost ({currency})", get(report, "markdown_cost"), None],
            [f"Unit price ({currency})", get(report, "unit_price"), None],
            [f"Unit cost ({currency})", get(report, "unit_cost"), None],
            [f"Revenue ({currency})", get(report, "revenue"), None],
            [f"Gross margin on units sold ({currency})", get(report, "margin"), None],
            [f"Profit ({currency})", get(report, "profit"), None],
            [f"Salvage value per leftover unit ({currency})", get(report, "salvage_value"), None],
            ["Re-forecast weeks", ", ".join(str(w) for w in get(report, "reforecast_weeks") or []) or "none", None],
            ["Runtime (s)", get(report, "runtime_s"), None]]
    nxt = _table(ws, ["Metric", "Value", "Final plan"], rows)
    for r in (2, 3, 4, 5):
        for c in (2, 3):
            ws.cell(row=r, column=c).number_format = _PCT
    for r in range(11, 18):
        ws.cell(row=r, column=2).number_format = _MONEY
    advice = rows_of(get(report, "tuning"))
    _table(ws, ["Parameter", "Current", "Recommended", "Why"],
           [[get(a, "parameter"), get(a, "current"), get(a, "recommended"), get(a, "reason")] for a in advice],
           start_row=nxt)


def season_workbook(status: Any, report: Any = None) -> bytes:
    """The season as an .xlsx file (bytes); `report` may be None while the season runs."""
    wb = Workbook()
    wb.remove(wb.active)
    _weekly(wb.create_sheet(SHEETS[0]), status)
    _allocation(wb.create_sheet(SHEETS[1]), status)
    _replenishment(wb.create_sheet(SHEETS[2]), status)
    _markdown(wb.create_sheet(SHEETS[3]), status)
    _report(wb.create_sheet(SHEETS[4]), report)
    ws = wb.create_sheet(SHEETS[5])
    params = get(status, "parameters") or {}
    params = params.model_dump(mode="json") if hasattr(params, "model_dump") else params
    _table(ws, ["Parameter", "Value"], [[k, v if not isinstance(v, (list, dict)) else str(v)]
                                        for k, v in params.items()])
    _order(wb.create_sheet(SHEETS[6]), status)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
