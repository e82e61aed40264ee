"""The status document's decision-support parts: markdown options and trend, the
replenishment queue's cover and reasons, the season's money settings. Read-only shaping of what the
steps stored; the read model merges these into its views."""

from __future__ import annotations

from typing import Any


def markdown_extra(md: Any) -> dict[str, Any]:
    """Options per depth, the trend and what the checkpoint rule alone proposed (empty for old seasons)."""
    options = getattr(md, "options", None)
    if options is None:
        return {}
    return {"options": [option_view(o) for o in options.options], "rule_depth": options.rule_depth,
            "recommended": options.recommended_depth, "season_to_date": options.season_to_date,
            "trend": [t.model_dump(mode="json") for t in options.trend], "currency": options.currency}


def option_view(option: Any) -> dict[str, Any]:
    data = option.model_dump(mode="json") if hasattr(option, "model_dump") else dict(option)
    return {k: data.get(k) for k in ("depth", "sell_through", "leftover", "revenue", "margin", "profit",
                                                  "value")}


ORDER_OPTION_KEYS = ("quantity", "sold", "lost_sales", "leftover", "revenue", "profit", "profit_quantiles", "label")


def pending_options(kind: str, details: dict[str, Any] | None) -> list[dict[str, Any]]:
    """`pending.options`: a markdown approval's [{depth, sell_through, leftover, revenue, margin, profit, value}];
    an order approval's [{quantity, sold, lost_sales, leftover, revenue, profit, profit_quantiles, label}]."""
    if not details:
        return []
    if kind == "order":
        return [{k: o.get(k) for k in ORDER_OPTION_KEYS} for o in details.get("options") or []]
    if kind != "markdown":
        return []
    return [option_view(o) for o in details.get("options") or []]


def replenishment_extra(line: Any) -> dict[str, Any]:
    return {"cover_weeks": getattr(line, "cover_weeks", None), "reason": getattr(line, "reason", "") or ""}


def money_view(ctx: Any) -> dict[str, Any]:
    from core.domain.money import resolve_money

    money = resolve_money(ctx.parameters, history_price=float(getattr(ctx, "history_unit_price", None) or 0.0))
    return {"unit_price": money.unit_price, "unit_cost": money.unit_cost, "currency": money.currency,
            "price_source": money.price_source}
