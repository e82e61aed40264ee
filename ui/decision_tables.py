"""Tables a planner weighs a decision with: markdown options, the replenishment queue.

Plain shaping of what the service computed; no planning number is derived here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ui.format import as_dict, fmt_money, fmt_pct


def markdown_options_frame(options: Sequence[Any], currency: str | None, *, proposed: float | None = None
                           ) -> pd.DataFrame:
    """One row per depth: projected sell-through, leftover, revenue, margin (money as 'USD 1,234')."""
    rows = []
    for o in options:
        o = as_dict(o)
        depth = float(o.get("depth") or 0.0)
        rows.append({
            "markdown": "none" if depth == 0 else f"{depth * 100:.0f}% off",
            "projected sell-through": fmt_pct(o.get("sell_through"), 1),
            "left over (units)": f"{round(float(o.get('leftover') or 0)):,}",
            f"revenue ({currency})" if currency else "revenue": fmt_money(o.get("revenue")),
            f"margin on units sold ({currency})" if currency else "margin on units sold": fmt_money(o.get("margin")),
            f"expected profit ({currency})" if currency else "expected profit": fmt_money(o.get("profit")),
            "": "proposed" if proposed is not None and abs(depth - proposed) < 1e-9 else "",
        })
    return pd.DataFrame(rows)


def order_options_frame(options: Sequence[Any], currency: str | None) -> pd.DataFrame:
    """One row per order quantity: expected units sold, lost sales, leftover, revenue, profit and its P10..P90."""
    money = f" ({currency})" if currency else ""
    rows = []
    for o in options:
        o = as_dict(o)
        q = as_dict(o.get("profit_quantiles") or {})
        rows.append({
            "order (units)": f"{int(o.get('quantity') or 0):,}",
            "expected sold": f"{round(float(o.get('sold') or 0)):,}",
            "lost sales": f"{round(float(o.get('lost_sales') or 0)):,}",
            "left over": f"{round(float(o.get('leftover') or 0)):,}",
            f"revenue{money}": fmt_money(o.get("revenue")),
            f"expected profit{money}": fmt_money(o.get("profit")),
            f"profit P10..P90{money}": (f"{fmt_money(q.get('p10'))} .. {fmt_money(q.get('p90'))}"
                                        if q.get("p10") is not None else ""),
            "": {"proposal": "proposed", "rule": "safety-stock rule", "both": "proposed = rule"}.get(
                o.get("label") or "", ""),
        })
    return pd.DataFrame(rows)


def trend_text(trend: Sequence[Any], season_to_date: float | None) -> str:
    """'Season to date +16% against plan; week 4 +25%, week 5 +40%, week 6 +62%.'"""
    parts = [f"week {as_dict(w)['week']} {float(as_dict(w)['variance']) * 100:+.0f}%" for w in trend]
    head = f"Season to date {season_to_date * 100:+.0f}% against plan" if season_to_date is not None else ""
    return "; ".join(p for p in (head, ", ".join(parts)) if p) + "." if (head or parts) else ""


def replenishment_frame(lines: Sequence[Any]) -> pd.DataFrame:
    """The queue with each store's stock on hand, weeks of cover and why nothing ships."""
    rows = []
    for line in lines:
        x = as_dict(line)
        cover = x.get("cover_weeks")
        rows.append({
            "after week": x.get("week"),
            "for week": x.get("for_week", (x.get("week") or 0) + 1),
            "store": x.get("store_id"),
            "ship": int(x.get("qty") or 0),
            "on hand": x.get("on_hand"),
            "weeks of cover": None if cover is None else round(float(cover), 1),
            "partial": "yes" if x.get("partial") else "",
            "why nothing ships": x.get("reason") or "",
        })
    return pd.DataFrame(rows, columns=["after week", "for week", "store", "ship", "on hand", "weeks of cover",
                                       "partial", "why nothing ships"])
