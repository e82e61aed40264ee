"""Approvals: the manufacturing order and markdowns — Accept, or Modify with a value and a reason."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import streamlit as st

from core.domain.errors import AlreadyDecided
from core.domain.rounding import ceiling_operand
from ui.approvals import DECIDED_HERE_KEY, SEEN_KEY, decided_elsewhere, explanation_for
from ui.decision_tables import markdown_options_frame, order_options_frame, trend_text
from ui.feedback import error_messages, md_escape, render_message
from ui.layout import require_season, start_page
from ui.format import as_dict, fmt_int, fmt_pct, fmt_when, state_label
from ui.session import flash

DIALOG_KEY = "approval_dialog"  # which dialog is open: "accept" / "modify"; survives reruns inside it

service, status = start_page("Approvals")
status = require_season(status)

wf = status.workflow_id
params = status.parameters
pending = status.pending


def _close_dialog() -> None:
    st.session_state.pop(DIALOG_KEY, None)


def _decided(doc: Any, what: str) -> None:
    _close_dialog()
    if pending is not None:
        st.session_state.setdefault(DECIDED_HERE_KEY, set()).add(pending.approval_id)
    follow = ""
    if doc.running_step:
        follow = (" The next step runs now; this page follows it." if doc.step_claim == "running" else
                  " The next step is queued; this page follows it once a worker or the app starts it.")
    flash("success", f"{what} Season is now: {state_label(doc.state).lower()}.{follow}")
    st.rerun()


def _decide(what: str, **kwargs: Any) -> None:
    """Record the decision; if another tab or the CLI decided first, close the dialog and say so on the page.

    A button inside a dialog reruns only the dialog, so the page behind it would keep showing the old
    proposal: a full rerun redraws it with the decision that stands.
    """
    try:
        with st.spinner("Recording the decision…", show_time=True):
            doc = service.decide(wf, **kwargs)
    except AlreadyDecided as exc:
        _close_dialog()
        if pending is not None:  # told below by the flash: no second message
            st.session_state.setdefault(DECIDED_HERE_KEY, set()).add(pending.approval_id)
        flash("warning", [*exc.messages, "Your decision was not applied. The decision that stands is listed "
                                         "under Decisions."], "Already decided elsewhere")
        st.rerun()
    except Exception as exc:  # every other outcome is shown in the dialog, with what to do
        title, messages = error_messages(exc)
        render_message("error", messages, title)
        return
    _decided(doc, what)


def _describe(kind: str, value: float) -> str:
    return f"{fmt_int(value)} units" if kind == "order" else f"{fmt_pct(value, 0)} off"


@st.dialog("Accept the proposal", on_dismiss=_close_dialog)
def accept_dialog(kind: str, proposal: float, approval_id: int | None) -> None:
    st.write(f"Accept the proposed {'manufacturing order' if kind == 'order' else 'markdown'} of "
             f"**{_describe(kind, proposal)}**?")
    by = st.text_input("Your name", value=st.session_state.get("planner_name", "planner"), max_chars=80,
                       key="accept_by")
    c1, c2 = st.columns(2)
    if c1.button("Accept", type="primary", icon=":material/check:", key="accept_confirm"):
        st.session_state["planner_name"] = by or "planner"
        _decide(f"Accepted: {_describe(kind, proposal)}.", accept=True, by=by or "planner",
                expected_approval_id=approval_id)
    if c2.button("Cancel", key="accept_cancel"):
        _close_dialog()
        st.rerun()


def md_preview(depth: float) -> None:
    """What the chosen depth would do by season end: the option of that depth (same projection as the table)."""
    pending_options = pending.options if pending is not None else []
    md = status.markdown if status is not None else None
    options = pending_options or (md.options if md is not None else [])
    option = next((o for o in options if abs(float(o.depth) - depth) < 1e-9), None)
    if option is None:
        return
    money = (f"; revenue {fmt_int(option.revenue)}" if option.revenue is not None else "") + (
        f", margin {fmt_int(option.margin)}" if option.margin is not None else "")
    st.caption(f"At {fmt_pct(depth, 0)} off: projected sell-through {fmt_pct(option.sell_through, 1)} at season end, "
               f"{fmt_int(option.leftover)} units left over{money}.")


@st.dialog("Modify the proposal", on_dismiss=_close_dialog)
def modify_dialog(kind: str, proposal: float, approval_id: int | None) -> None:
    if kind == "order":
        value = st.number_input("Manufacturing quantity (units)", min_value=1, step=100, value=int(proposal),
                                key="modify_value", help="Any positive whole number of units.")
    else:
        cap = float(params.get("markdown_cap") or 0.4)
        step = max(1, int(round(float(params.get("markdown_step") or 0.05) * 100)))
        value = st.slider("Markdown depth (% off)", min_value=0, max_value=int(round(cap * 100)),
                          value=int(round(proposal * 100)), step=step, key="modify_value_pct",
                          help=f"Between 0% and the cap of {cap:.0%}, in the rule's steps of {step}%.") / 100.0
        md_preview(value)
    reason = st.text_area("Reason (required)", key="modify_reason", max_chars=1000,
                          placeholder="e.g. supplier minimum order, budget limit, competitor pricing")
    by = st.text_input("Your name", value=st.session_state.get("planner_name", "planner"), max_chars=80,
                       key="modify_by")
    c1, c2 = st.columns(2)
    if c1.button("Apply change", type="primary", icon=":material/edit:", key="modify_confirm"):
        if not reason.strip():
            st.error("A reason is required when you change the proposal.")
        else:
            st.session_state["planner_name"] = by or "planner"
            _decide(f"Modified: {_describe(kind, proposal)} → {_describe(kind, value)}.", accept=False, value=value,
                    reason=reason.strip(), by=by or "planner", expected_approval_id=approval_id)
    if c2.button("Cancel", key="modify_cancel"):
        _close_dialog()
        st.rerun()


# ------------------------------------------------------------------ pending approval
if pending is not None:
    kind = pending.kind
    proposal = float(pending.proposal or 0)
    approval_id = pending.approval_id
    with st.container(border=True):
        if kind == "order":
            forecast_total = status.forecast.total if status.forecast is not None else None
            st.subheader(":material/factory: Manufacturing order", anchor=False)
            c = st.columns(3)
            c[0].metric("Forecast, season total", f"{fmt_int(forecast_total)} units")
            c[1].metric("Safety stock", fmt_pct(params.get("safety_stock"), 0))
            c[2].metric("Proposed order", f"{fmt_int(proposal)} units")
            details = pending.details or {}
            if details.get("policy") == "profit":
                fractile = details.get("fractile")
                st.caption(("The order with the highest expected season profit: the "
                            f"{fmt_pct(fractile, 0)} quantile of season demand ((price - cost) / (price - salvage))."
                            if details.get("ranked_by") == "profit" else
                            "No unit cost: the order with the lowest expected lost sales + leftover.")
                           + f" The safety-stock rule would order {fmt_int(details.get('rule_quantity'))} units.")
            else:
                factor = 1 + float(params.get("safety_stock") or 0)
                operand = ceiling_operand(forecast_total or 0.0, factor, round(proposal))
                if math.ceil(round(float(operand.replace(",", "")) * factor, 6)) == round(proposal):
                    st.caption(f"Order = ceil(forecast total x (1 + safety stock)) = ceil({operand} x {factor:.2f}) = "
                               f"{fmt_int(proposal)}.")
            for note in details.get("notes") or []:
                st.caption(md_escape(str(note)))
            if pending.options:
                currency = status.money.currency if status.money is not None else None
                st.markdown("**Order options** (expected over the season-demand distribution)")
                st.dataframe(order_options_frame(pending.options, currency), hide_index=True, width="stretch")
            from ui.lab import order_what_if_panel

            order_what_if_panel(service, status)  # proposed and safety stock -10/-5/+5/+10 points, simulated
        else:
            md = status.markdown
            target = params.get("markdown_target")
            st.subheader(f":material/sell: Markdown at week {md.week if md else params.get('markdown_week')}",
                         anchor=False)
            c = st.columns(3)
            c[0].metric("Sell-through to date", fmt_pct(md.sell_through if md else None, 1))
            c[1].metric("Target", fmt_pct(target, 0))
            c[2].metric("Proposed markdown", f"{fmt_pct(proposal, 0)} off")
            if md is not None and target is not None:
                st.caption(f"Gap = {fmt_pct(target, 1)} − {fmt_pct(md.sell_through, 1)}; the checkpoint rule "
                           f"(gap x elasticity {params.get('markdown_elasticity')}, in steps of "
                           f"{fmt_pct(params.get('markdown_step'), 0)}, "
                           f"capped at {fmt_pct(params.get('markdown_cap'), 0)}) "
                           f"gives {fmt_pct(md.rule_depth if md.rule_depth is not None else md.proposed, 0)}.")
            if md is not None and md.reason:
                st.info(md_escape(md.reason), icon=":material/lightbulb:")
            if md is not None and md.trend:
                st.caption("Trend: " + md_escape(trend_text(md.trend, md.season_to_date)))
            options = pending.options or (md.options if md is not None else [])
            if options:
                currency = (status.money.currency if status.money is not None else None) or md.currency
                st.markdown(f"**What each depth would do by season end** (current plan x the price response; "
                            f"money in {currency})")
                st.dataframe(markdown_options_frame(options, currency, proposed=proposal), hide_index=True,
                             width="stretch")
        text = explanation_for(status, kind)
        if text:
            st.markdown("**Why**")
            st.markdown(md_escape(text))
        elif status.running_step is None:
            st.caption("The explanation is being written…")
        blocked = status.why_not("decide")
        b1, b2, _ = st.columns([1, 1, 2])
        if b1.button("Accept", type="primary", icon=":material/check:", key="open_accept", width="stretch",
                     disabled=blocked is not None, help=blocked):
            st.session_state[DIALOG_KEY] = ("accept", approval_id)
        if b2.button("Modify…", icon=":material/edit:", key="open_modify", width="stretch",
                     disabled=blocked is not None, help=blocked):
            st.session_state[DIALOG_KEY] = ("modify", approval_id)

opened = st.session_state.get(DIALOG_KEY)
all_approvals = [as_dict(a) for a in service.approvals(wf)]
elsewhere = None
if not (opened and (pending is None or opened[1] != pending.approval_id)):
    # A tab that showed an approval someone else (another tab, the CLI) has decided since is told so.
    elsewhere = decided_elsewhere(st.session_state.get(SEEN_KEY), pending, all_approvals,
                                  st.session_state.get(DECIDED_HERE_KEY, set()))
st.session_state[SEEN_KEY] = {"id": pending.approval_id, "kind": pending.kind} if pending is not None else None
if elsewhere:
    st.warning(md_escape(elsewhere), icon=":material/info:")
if opened and (pending is None or opened[1] != pending.approval_id):
    # The dialog was open on an approval that someone else (another tab, the CLI) decided meanwhile.
    _close_dialog()
    st.warning("This approval was already decided elsewhere; your decision was not applied. "
               "The decision that stands is listed under Decisions.", icon=":material/info:")
elif opened and opened[0] == "accept":
    accept_dialog(kind, proposal, approval_id)
elif opened and opened[0] == "modify":
    modify_dialog(kind, proposal, approval_id)
if pending is None:
    if status.running_step is not None:
        st.info("A step is running; a proposal that needs your decision appears here when it is ready.",
                icon=":material/hourglass_top:")
    else:
        st.success("Nothing is waiting for your decision.", icon=":material/task_alt:")
    if status.order is not None and status.order.approved:
        st.caption(f"Approved manufacturing order: {fmt_int(status.order.approved)} units.")

# ------------------------------------------------------------------ decided approvals
st.subheader("Decisions", divider="gray", anchor=False)
decided = [a for a in all_approvals if a.get("status") != "pending"]
if not decided:
    st.caption("No decisions yet.")
else:
    rows = []
    for a in decided:
        kind = a.get("kind")
        what = "Manufacturing order" if kind == "order" else f"Markdown (week {a.get('week')})"
        rows.append({
            "what": what,
            "proposed": _describe(kind, a["proposed"]),
            "decision": str(a.get("status") or "").capitalize(),
            "decided": _describe(kind, a["decided"]) if a.get("decided") is not None else "—",
            "reason": a.get("reason") or "",
            "by": a.get("decided_by") or "",
            "when (UTC)": fmt_when(a.get("decided_at")),
        })
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
