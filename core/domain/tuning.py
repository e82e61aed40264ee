"""Parameter tuning advice for the next season (docs/planning-rules.md §4.9).

One `TuningAdvice` per tuned parameter, each with the rule that fired and its numbers. Rules:

safety_stock
  raise by 0.05 (max 1.0) when more than 5% of store-weeks ran out of stock;
  lower by 0.05 (min 0.0) when sell-through was under 70% with at most 1% stockout store-weeks
  (not for a season closed early, whose sell-through is naturally low); else keep.
dc_holdback
  with replenishment 'none' it must stay 0; lower by 0.10 (min 0.0) when more than 10% of the
  order was still at the DC at season end (not for a season closed early); else keep.
markdown_week
  no checkpoint but sell-through ended below the target (0.60 when none is set) -> add one at
  week max(1, horizon // 2); checkpoint reached with sell-through 10 points or more under target
  (a markdown of 20% or more was needed: it came late) -> one week earlier (min 1); 10 points or
  more above target -> one week later (max horizon); not reached -> keep.
variance_threshold
  raise by 0.05 (max 1.0) when a re-forecast fired in more than half of at least 4 observed
  weeks (the plan was rebuilt nearly every week); lower by 0.05 (min 0.05) when none fired yet
  the original forecast's season bias exceeded the threshold (small misses of one sign that the
  weekly check never caught); else keep. emergency_threshold is raised along with it when needed
  to stay above it (advice entry included then).
"""

from __future__ import annotations

from core.domain.models import TuningAdvice
from core.domain.params import SeasonParameters

STOCKOUT_RATE_HIGH = 0.05
STOCKOUT_RATE_LOW = 0.01
SELL_THROUGH_LOW = 0.70
SAFETY_STEP = 0.05
DC_UNUSED_HIGH = 0.10
HOLDBACK_STEP = 0.10
CHECKPOINT_GAP = 0.10
REFORECAST_SHARE_HIGH = 0.5
MIN_WEEKS_FOR_THRESHOLD = 4
THRESHOLD_STEP = 0.05


def _r(x: float) -> float:
    return round(x, 4)


def tuning_advice(
    params: SeasonParameters,
    *,
    weeks_observed: int,
    store_weeks: int,
    stockout_store_weeks: int,
    lost_sales: int,
    sell_through: float,
    dc_unused: int,
    approved_qty: int,
    checkpoint_sell_through: float | None,
    reforecast_count: int,
    bias_original: float | None,
    closed_early: bool,
    checkpoint_proposed: float | None = None,
) -> list[TuningAdvice]:
    return [
        _safety_stock_advice(params, store_weeks, stockout_store_weeks, lost_sales, sell_through, closed_early),
        _dc_holdback_advice(params, dc_unused, approved_qty, closed_early),
        _markdown_week_advice(params, sell_through, checkpoint_sell_through, checkpoint_proposed),
        *_threshold_advice(params, weeks_observed, reforecast_count, bias_original),
    ]


def _safety_stock_advice(
    params: SeasonParameters,
    store_weeks: int,
    stockout_store_weeks: int,
    lost_sales: int,
    sell_through: float,
    closed_early: bool,
) -> TuningAdvice:
    ss = float(params.safety_stock or 0.0)
    rate = stockout_store_weeks / store_weeks if store_weeks else 0.0
    if rate > STOCKOUT_RATE_HIGH:
        return TuningAdvice(
            parameter="safety_stock", current=ss, recommended=_r(min(1.0, ss + SAFETY_STEP)),
            reason=(f"{stockout_store_weeks} of {store_weeks} store-weeks ({rate:.1%}) ran out of stock, about "
                    f"{lost_sales} units of sales lost: above {STOCKOUT_RATE_HIGH:.0%}, so raise safety stock by "
                    f"{SAFETY_STEP:.2f}"),
        )
    if sell_through < SELL_THROUGH_LOW and rate <= STOCKOUT_RATE_LOW and not closed_early:
        return TuningAdvice(
            parameter="safety_stock", current=ss, recommended=_r(max(0.0, ss - SAFETY_STEP)),
            reason=(f"sell-through was {sell_through:.1%} (under {SELL_THROUGH_LOW:.0%}) with {rate:.1%} stockout "
                    f"store-weeks: the buffer was not needed, so lower safety stock by {SAFETY_STEP:.2f}"),
        )
    return TuningAdvice(
        parameter="safety_stock", current=ss, recommended=ss,
        reason=(f"keep: stockout store-weeks {rate:.1%} and sell-through {sell_through:.1%}"
                + (" (season closed early)" if closed_early else "")),
    )


def _dc_holdback_advice(
    params: SeasonParameters, dc_unused: int, approved_qty: int, closed_early: bool
) -> TuningAdvice:
    h = float(params.dc_holdback or 0.0)
    unused_share = dc_unused / approved_qty if approved_qty else 0.0
    if params.replenishment == "none":
        return TuningAdvice(parameter="dc_holdback", current=h, recommended=0.0,
                            reason="keep 0: replenishment is none, "
                                   "so nothing held at the DC could reach a store")
    if h > 0 and unused_share > DC_UNUSED_HIGH and not closed_early:
        return TuningAdvice(
            parameter="dc_holdback", current=h, recommended=_r(max(0.0, h - HOLDBACK_STEP)),
            reason=(f"{dc_unused} units ({unused_share:.1%} of the order) were still at the DC at season end "
                    f"(over {DC_UNUSED_HIGH:.0%}): lower the holdback by {HOLDBACK_STEP:.2f} and ship more at launch"),
        )
    return TuningAdvice(
        parameter="dc_holdback", current=h, recommended=h,
        reason=(f"keep: {dc_unused} units ({unused_share:.1%} of the order) left at the DC"
                + (" (season closed early)" if closed_early else "")),
    )


def _markdown_week_advice(
    params: SeasonParameters,
    sell_through: float,
    checkpoint_sell_through: float | None,
    checkpoint_proposed: float | None,
) -> TuningAdvice:
    m = params.markdown_week
    target = float(params.markdown_target) if params.markdown_target is not None else 0.60
    if m is None:
        if sell_through < target:
            week = max(1, params.horizon_weeks // 2)
            return TuningAdvice(
                parameter="markdown_week", current=None, recommended=week,
                reason=(f"no markdown checkpoint was set and sell-through ended at {sell_through:.1%}, below "
                        f"{target:.0%}: add a checkpoint at week {week}"),
            )
        return TuningAdvice(parameter="markdown_week", current=None, recommended=None,
                            reason=f"keep none: sell-through {sell_through:.1%} reached {target:.0%} "
                                   "without a markdown")
    if checkpoint_sell_through is None:
        return TuningAdvice(parameter="markdown_week", current=m, recommended=m,
                            reason=f"keep: the season ended before the week {m} checkpoint")
    return _reached_checkpoint_advice(
        m, params.horizon_weeks, target, sell_through, checkpoint_sell_through, checkpoint_proposed
    )


def _reached_checkpoint_advice(
    m: int,
    horizon_weeks: int,
    target: float,
    sell_through: float,
    checkpoint_sell_through: float,
    checkpoint_proposed: float | None,
) -> TuningAdvice:
    """markdown_week when the season reached its checkpoint: earlier, later or kept by the gap to target."""
    gap = round(target - checkpoint_sell_through, 10)
    if gap >= CHECKPOINT_GAP and checkpoint_proposed == 0 and sell_through >= target:
        # The checkpoint said no markdown was needed and the season bore it out: not "late".
        return TuningAdvice(
            parameter="markdown_week", current=m, recommended=m,
            reason=(f"keep: at week {m} sell-through was {checkpoint_sell_through:.1%}, under the {target:.0%} "
                    f"target, but no markdown was needed: the season reached {sell_through:.1%}"),
        )
    if gap >= CHECKPOINT_GAP and checkpoint_proposed == 0:
        return TuningAdvice(
            parameter="markdown_week", current=m, recommended=max(1, m - 1),
            reason=(f"at week {m} sell-through was {checkpoint_sell_through:.1%} and the plan then said no "
                    f"markdown was needed, yet the season ended at {sell_through:.1%}, under the {target:.0%} "
                    "target: check one week earlier"),
        )
    if gap >= CHECKPOINT_GAP:
        return TuningAdvice(
            parameter="markdown_week", current=m, recommended=max(1, m - 1),
            reason=(f"at week {m} sell-through was {checkpoint_sell_through:.1%}, {gap:.1%} under the "
                    f"{target:.0%} target: the markdown came late; check one week earlier so a smaller one works"),
        )
    if -gap >= CHECKPOINT_GAP:
        return TuningAdvice(
            parameter="markdown_week", current=m, recommended=min(horizon_weeks, m + 1),
            reason=(f"at week {m} sell-through was {checkpoint_sell_through:.1%}, {-gap:.1%} above the "
                    f"target: the checkpoint can come one week later"),
        )
    return TuningAdvice(
        parameter="markdown_week", current=m, recommended=m,
        reason=f"keep: at week {m} sell-through was {checkpoint_sell_through:.1%} against {target:.0%}",
    )


def _threshold_advice(
    params: SeasonParameters, weeks_observed: int, reforecast_count: int, bias_original: float | None
) -> list[TuningAdvice]:
    """variance_threshold, and emergency_threshold when it has to follow to stay above it."""
    v = float(params.variance_threshold)
    new_v = v
    share = reforecast_count / weeks_observed if weeks_observed else 0.0
    if weeks_observed >= MIN_WEEKS_FOR_THRESHOLD and share > REFORECAST_SHARE_HIGH:
        new_v = _r(min(1.0, v + THRESHOLD_STEP))
        reason = (f"a re-forecast fired in {reforecast_count} of {weeks_observed} weeks: the plan was rebuilt "
                  f"almost every week; raise the threshold by {THRESHOLD_STEP:.2f}")
    elif reforecast_count == 0 and bias_original is not None and abs(bias_original) > v:
        new_v = _r(max(0.05, v - THRESHOLD_STEP))
        reason = (f"no re-forecast fired, yet the original forecast was off by {bias_original:+.1%} over the "
                  f"season: lower the threshold by {THRESHOLD_STEP:.2f} to react sooner")
    else:
        reason = f"keep: a re-forecast fired in {reforecast_count} of {weeks_observed} weeks"
    advice = [TuningAdvice(parameter="variance_threshold", current=v, recommended=new_v, reason=reason)]
    e = float(params.emergency_threshold)
    if e <= new_v:
        advice.append(TuningAdvice(
            parameter="emergency_threshold", current=e, recommended=_r(new_v + 0.10),
            reason=f"follows variance_threshold: it must stay above {new_v:.2f}",
        ))
    return advice
