"""The state machine as data: legal transitions and the reasons an action is refused."""

from __future__ import annotations

import pytest

from core.orchestrator.engine.retries import is_transient, run_with_retries
from core.orchestrator.errors import TransientStepError
from core.orchestrator.steps.states import STEP_STATE, TRANSITIONS, State, can_transition, check_transition, why_not


def test_happy_path_is_a_chain_of_legal_transitions():
    path = ["draft", "forecasting", "awaiting_order_approval", "allocating", "in_season", "in_season",
            "awaiting_markdown_approval", "in_season", "closed"]
    for a, b in zip(path, path[1:]):
        check_transition(a, b)


@pytest.mark.parametrize("src, dst", [("closed", "in_season"), ("awaiting_order_approval", "in_season"),
                                      ("draft", "closed"), ("needs_attention", "closed"),
                                      ("forecasting", "allocating")])
def test_illegal_transitions_are_refused(src, dst):
    assert not can_transition(src, dst)
    with pytest.raises(ValueError, match=f"illegal transition {src} -> {dst}"):
        check_transition(src, dst)


def test_every_step_can_fail_into_needs_attention_and_be_retried():
    for step, state in STEP_STATE.items():
        assert can_transition(state, State.NEEDS_ATTENTION), step
        assert can_transition(State.NEEDS_ATTENTION, state), step
    assert TRANSITIONS[State.CLOSED] == frozenset()


def test_reasons_for_refused_actions():
    assert why_not("decide", "awaiting_order_approval") is None
    assert why_not("decide", "in_season") == "nothing to decide: the workflow is in_season, no approval is pending"
    assert why_not("upload", "in_season") is None
    assert "decide it first" in why_not("upload", "awaiting_markdown_approval")
    assert "has not started" in why_not("upload", "awaiting_order_approval")
    assert why_not("upload", "closed") == "the season is closed"
    assert "retry it first" in why_not("upload", "needs_attention")
    assert why_not("close", "needs_attention") is None  # a failed step never wedges a season
    assert why_not("retry", "needs_attention") is None and why_not("report", "closed") is None
    assert "once the season is closed" in why_not("report", "in_season")


def test_retry_policy_waits_1_2_4_seconds_then_gives_up():
    waits: list[float] = []
    calls = {"n": 0}

    def always_fails():
        calls["n"] += 1
        raise ConnectionError("reset")

    with pytest.raises(ConnectionError):
        run_with_retries(always_fails, sleep=waits.append)
    assert waits == [1.0, 2.0, 4.0] and calls["n"] == 4


def test_retry_policy_stops_at_first_success_and_ignores_non_transient():
    waits: list[float] = []
    outcomes = iter([TransientStepError("x"), 42])

    def flaky():
        out = next(outcomes)
        if isinstance(out, Exception):
            raise out
        return out

    assert run_with_retries(flaky, sleep=waits.append) == 42 and waits == [1.0]
    with pytest.raises(KeyError):
        run_with_retries(lambda: {}["missing"], sleep=waits.append)
    assert waits == [1.0]
    assert is_transient(TimeoutError()) and not is_transient(ValueError("bad"))
