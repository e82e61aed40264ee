"""Money stated in free text: what a leftover unit recovers ("we can clear leftovers at $5"), the unit
price and cost ("sells at $40, costs $18 to make"), and an explicit order policy ("order for profit").
A stated safety stock already selects the safety-stock order policy (core/domain/params.py)."""

from __future__ import annotations

import re
from typing import Any



def _amount(n: int) -> str:
    return rf"(?:[$€£]\s*)?(?P<v{n}>\d+(?:[.,]\d+)?)(?:\s*(?:usd|eur|gbp|dollars?|euros?|pounds?))?"


_LEFTOVER = r"(?:left\s*-?\s*overs?|unsold(?:\s+(?:stock|units|items))?|remaining\s+stock|excess(?:\s+stock)?|surplus)"
_SALVAGE_RE = re.compile(
    rf"\b(?:clear|sell|liquidate|dump|salvage|recover|move)\w*\s+(?:off\s+)?(?:the\s+|our\s+|any\s+)?{_LEFTOVER}"
    rf"\s+(?:\w+\s+){{0,3}}?(?:at|for)\s+{_amount(1)}(?:\s*(?:a|an|per|each|/)\s*(?:unit|piece|item))?"
    rf"|\b(?:salvage|clearance|liquidation)\s+(?:value|price)\s+(?:of\s+|is\s+|at\s+|=\s*|:\s*)?{_amount(2)}"
    rf"|\b{_LEFTOVER}\s+(?:\w+\s+){{0,5}}?(?:for|at)\s+{_amount(3)}",
    re.I,
)
_PRICE_RE = re.compile(rf"\b(?:sells?|selling|retails?|priced)\s+(?:at|for)\s+{_amount(4)}"
                       rf"|\b(?:unit\s+)?price\s+(?:of\s+|is\s+|at\s+|=\s*|:\s*){_amount(5)}", re.I)
_COST_RE = re.compile(rf"\bcosts?\s+(?:us\s+)?{_amount(6)}(?:\s+(?:a|per|each)\s+(?:unit|piece|item))?"
                      rf"\s*(?:to\s+(?:make|buy|produce))?"
                      rf"|\bunit\s+cost\s+(?:of\s+|is\s+|=\s*|:\s*)?{_amount(7)}", re.I)
_POLICY_RE = re.compile(r"\b(?:order|buy)\s+(?:for|to\s+maximi[sz]e)\s+(?:the\s+)?(?:expected\s+)?profits?\b", re.I)


def _value(m: re.Match[str]) -> float:
    v = next(g for k, g in m.groupdict().items() if k.startswith("v") and g)
    return float(v.replace(",", "."))


def read_money(text: str, r: Any) -> None:
    """Put salvage_value, unit_price, unit_cost and order_policy on the reading `r` when the text states them."""
    for name, rx in (("salvage_value", _SALVAGE_RE), ("unit_price", _PRICE_RE), ("unit_cost", _COST_RE)):
        for m in rx.finditer(text):
            if r.used(*m.span()):
                continue
            r.put(name, _value(m), m)
            break
    policy = _POLICY_RE.search(text)
    if policy and not r.used(*policy.span()):
        r.put("order_policy", "profit", policy)
