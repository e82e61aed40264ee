"""What each markdown depth would do, and what the season's trend says (docs/planning-rules.md §4.8).

At the checkpoint week k, for every depth d = 0, step, 2 x step, ..., cap:
  projected remaining sales = min(stock left, current plan of weeks k+1..H x (1 - d)^(-price_elasticity))
  (the docs/planning-rules.md §4.8 price response applied to the current plan; the season cannot sell more than
  the units it still holds, stock left = approved - sold to date);
  projected sell-through = (sold to date + projected remaining) / approved; leftover = approved - both;
  revenue = price x (sold to date + projected remaining x (1 - d)); margin = revenue - cost x units sold
  (core/domain/money.py; None when unknown).
The trend is the variance against the plan in force for the recent weeks and season to date.

The recommendation is the depth with the highest expected profit (docs/planning-rules.md
§6.3). The units made are paid for already, so a depth changes only what the stock on
hand (stores + DC) still earns: price x (1 - d) x expected remaining sales + salvage x expected
leftover, where remaining demand is lognormal around plan x (1 - d)^(-price_elasticity) with a log sd
of REMAINING_SD (expected sales of a stock S: E[min(S, X)], in closed form). An option's `profit` is
the season's: revenue to date + that - unit cost x units made (None without a cost; the ranking
does not need the cost). Ties go to the shallower depth, so a depth that earns no more than no
markdown is never recommended. Without a price there is nothing to rank; the recommendation is then
the rule's: no markdown when the current plan reaches the target by season end, else the rule depth.
The docs/planning-rules.md §4.8 rule's own depth stays visible as `rule_depth`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

from pydantic import BaseModel, Field

from core.domain.forecast.reforecast import markdown_multiplier
from core.domain.models import MarkdownProposal
from core.domain.money import Money
from core.domain.params import SeasonParameters
from core.domain.rounding import round_half_up
from core.domain.variance import relative_variance

TREND_WEEKS = 3
_CLEAN = 10
REMAINING_SD = 0.2  # log sd of the remaining weeks' demand around the plan at the checkpoint


class MarkdownOption(BaseModel):
    depth: float
    sell_through: float  # projected at season end
    leftover: int  # units not sold by season end
    sold: int  # projected units sold over the whole season
    revenue: float | None
    margin: float | None
    reaches_target: bool
    profit: float | None = None  # expected season profit with this depth (module docstring)
    value: float | None = None  # expected revenue of the remaining weeks + salvage of the leftover


class TrendWeek(BaseModel):
    week: int
    actual: float
    plan: float
    variance: float


class MarkdownOptions(BaseModel):
    week: int
    currency: str
    target: float
    rule_depth: float  # what the docs/planning-rules.md §4.8 rule proposes from the sell-through to date
    recommended_depth: float
    ranked_by: str = "profit"  # "profit", or "rule" without a price
    price_elasticity: float = 0.0
    no_markdown_reaches_target: bool
    season_to_date: float  # cumulative variance against plan
    trend: list[TrendWeek] = Field(default_factory=list)  # the recent weeks, oldest first
    options: list[MarkdownOption] = Field(default_factory=list)
    note: str = ""

    def option(self, depth: float) -> MarkdownOption | None:
        return next((o for o in self.options if abs(o.depth - depth) < 1e-9), None)

    @property
    def gate_opens(self) -> bool:
        """The checkpoint asks the planner (docs/planning-rules.md §6.3): the rule finds a gap, or, ranked by
        profit, a depth earns more than no markdown although sell-through meets the target."""
        return self.rule_depth > 0 or (self.ranked_by == "profit" and self.recommended_depth > 0)


def depth_steps(step: float, cap: float) -> list[float]:
    """0, step, 2 x step, ... up to the cap (the cap itself included even off the step grid)."""
    n = int(round_half_up(cap / step)) if step > 0 else 0
    depths = [round(i * step, _CLEAN) for i in range(n + 1) if round(i * step, _CLEAN) <= cap + 1e-12]
    if not depths or abs(depths[-1] - cap) > 1e-9:
        depths.append(round(cap, _CLEAN))
    return depths


def project_option(depth: float, *, sold_to_date: int, approved_qty: int, remaining_plan: Sequence[float],
                   price_elasticity: float, money: Money, target: float) -> MarkdownOption:
    left = max(0, approved_qty - sold_to_date)
    demand = float(sum(remaining_plan)) * markdown_multiplier(depth, price_elasticity)
    rest = min(float(left), demand)
    sold = sold_to_date + rest
    revenue = None
    if money.known:
        revenue = round(money.unit_price * (sold_to_date + rest * (1.0 - depth)), 2)
    st = round(sold / approved_qty, 6)
    value = profit = None
    if money.known:
        expected = expected_sales(float(left), demand, REMAINING_SD)
        value = money.unit_price * (1.0 - depth) * expected + money.salvage_value * (left - expected)
        if money.unit_cost is not None:
            profit = round(money.unit_price * sold_to_date + value - money.unit_cost * approved_qty, 2)
        value = round(value, 2)
    return MarkdownOption(depth=depth, sell_through=st, leftover=max(0, round_half_up(approved_qty - sold)),
                          sold=round_half_up(sold), revenue=revenue, margin=money.margin(revenue, sold),
                          reaches_target=st + 1e-9 >= target, profit=profit, value=value)


def expected_sales(stock: float, median: float, sd: float) -> float:
    """E[min(stock, X)] for X lognormal with the given median and log sd."""
    if stock <= 0 or median <= 0:
        return 0.0
    mean = median * math.exp(sd * sd / 2.0)
    if sd <= 0:
        return min(stock, median)
    phi = NormalDist().cdf
    d1 = (math.log(mean / stock) + sd * sd / 2.0) / sd
    over = mean * phi(d1) - stock * phi(d1 - sd)  # E[(X - stock)+]
    return max(0.0, mean - over)


def trend(actuals: Sequence[float], plans: Sequence[float], weeks: int = TREND_WEEKS) -> list[TrendWeek]:
    n = min(len(actuals), len(plans))
    return [TrendWeek(week=i + 1, actual=float(actuals[i]), plan=round(float(plans[i]), 3),
                      variance=round(relative_variance(float(actuals[i]), float(plans[i])), 6))
            for i in range(max(0, n - weeks), n)]


def markdown_options(proposal: MarkdownProposal, *, params: SeasonParameters, money: Money,
                     remaining_plan: Sequence[float], actuals: Sequence[float],
                     plans: Sequence[float]) -> MarkdownOptions:
    """Options for every depth 0..cap and the recommendation (module docstring).

    proposal        the docs/planning-rules.md §4.8 rule's proposal at the checkpoint (sold to date, approved quantity)
    remaining_plan  the current plan for weeks k+1..H, before any markdown
    actuals, plans  category actuals of weeks 1..k and the plan each week had when its actuals arrived
    """
    target = float(params.markdown_target if params.markdown_target is not None else 0.0)
    options = [project_option(d, sold_to_date=proposal.sold_to_date, approved_qty=proposal.approved_qty,
                              remaining_plan=remaining_plan, price_elasticity=params.price_elasticity,
                              money=money, target=target)
               for d in depth_steps(params.markdown_step, params.markdown_cap)]
    recent = trend(actuals, plans)
    std = round(relative_variance(float(sum(actuals)), float(sum(plans))), 6) if len(plans) else 0.0
    base = options[0]
    reaches = base.reaches_target
    if money.known:
        best = max(options, key=lambda o: (round(o.value or 0.0, 6), -o.depth))
        recommended, ranked_by = best.depth, "profit"
        note = _profit_note(proposal, base, best, recent, std, target)
    else:
        recommended, ranked_by = (0.0 if reaches else proposal.depth), "rule"
        note = _note(proposal, base, recent, std, target, recommended, options)
    return MarkdownOptions(week=proposal.week, currency=money.currency, target=target, rule_depth=proposal.depth,
                           recommended_depth=recommended, ranked_by=ranked_by,
                           price_elasticity=params.price_elasticity, no_markdown_reaches_target=reaches,
                           season_to_date=std, trend=recent, options=options, note=note)


def _trend_words(recent: list[TrendWeek], std: float) -> str:
    if not recent:
        return ""
    lo, hi = min(w.variance for w in recent), max(w.variance for w in recent)
    span = f"{lo:+.0%}" if abs(hi - lo) < 0.005 else f"{lo:+.0%}..{hi:+.0%}"
    weeks = f"week {recent[0].week}" if len(recent) == 1 else f"weeks {recent[0].week}-{recent[-1].week}"
    return f"selling {std:+.0%} against plan season to date ({span} in {weeks})"


def _note(proposal: MarkdownProposal, base: MarkdownOption, recent: list[TrendWeek], std: float,
          target: float, recommended: float, options: list[MarkdownOption]) -> str:
    trend_text = _trend_words(recent, std)
    trend_part = f"; {trend_text}" if trend_text else ""
    if proposal.depth <= 0:
        return (f"No markdown: sell-through {proposal.sell_through:.0%} meets the {target:.0%} target; "
                f"projected {base.sell_through:.0%} by season end{trend_part}")
    if recommended <= 0:
        return (f"No markdown recommended: without one the current plan reaches {base.sell_through:.0%} "
                f"sell-through by season end, above the {target:.0%} target{trend_part}. The checkpoint rule "
                f"alone (sell-through {proposal.sell_through:.0%} to date) would propose {proposal.depth:.0%}.")
    first = next((o for o in options if o.reaches_target), None)
    reach = (f"the smallest depth projected to reach it is {first.depth:.0%} ({first.sell_through:.0%})"
             if first is not None else "no depth up to the cap is projected to reach it")
    return (f"Markdown {proposal.depth:.0%} (checkpoint rule): without a markdown the current plan reaches "
            f"{base.sell_through:.0%} by season end, below the {target:.0%} target; {reach}{trend_part}.")


def _profit_note(proposal: MarkdownProposal, base: MarkdownOption, best: MarkdownOption, recent: list[TrendWeek],
                 std: float, target: float) -> str:
    trend_text = _trend_words(recent, std)
    trend_part = f"; {trend_text}" if trend_text else ""
    rule = (f"the checkpoint rule (sell-through {proposal.sell_through:.0%} to date against {target:.0%}) "
            f"says {proposal.depth:.0%}")
    if best.depth <= 0:
        return (f"No markdown recommended: no depth raises the expected profit of the stock on hand "
                f"(no markdown projects {base.sell_through:.0%} sell-through by season end); {rule}{trend_part}.")
    gain = (best.value or 0.0) - (base.value or 0.0)
    return (f"Markdown {best.depth:.0%}: the highest expected profit, {gain:,.0f} more than no markdown "
            f"(projected sell-through {best.sell_through:.0%} against {base.sell_through:.0%}); {rule}{trend_part}.")


def decide_markdown(week: int, sold_to_date: int, approved_qty: int, params: SeasonParameters, *, money: Money,
                    remaining_plan: Sequence[float], actuals: Sequence[float], plans: Sequence[float]
                    ) -> tuple[MarkdownProposal, MarkdownOptions]:
    """The checkpoint's proposal as the approval gate shows it, and its options.

    The gate opens when the docs/planning-rules.md §4.8 rule finds a gap or a depth has the highest expected
    profit (`MarkdownOptions.gate_opens`, §6.3); the proposed depth is the recommendation (0 when no depth
    earns more than no markdown) and the reason is the options' note. Otherwise the proposal is the rule's
    "no markdown".
    """
    from core.domain.markdown import propose_markdown

    rule = propose_markdown(week, sold_to_date, approved_qty, params)
    options = markdown_options(rule, params=params, money=money, remaining_plan=remaining_plan,
                               actuals=actuals, plans=plans)
    if not options.gate_opens:
        return rule, options
    return rule.model_copy(update={"depth": options.recommended_depth, "reason": options.note}), options
