"""SeasonParameters: defaults that depend on other fields, ranges, and readable errors (docs/planning-rules.md §2)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, strategies as st

from core.domain.params import BOUNDS, ParameterError, SeasonParameters, make_parameters

BASE = {"category": "Women's Dresses", "season_start": "2025-02-17"}


def test_defaults_with_weekly_replenishment() -> None:
    p = make_parameters(BASE)
    assert (p.horizon_weeks, p.replenishment, p.dc_holdback, p.safety_stock) == (12, "weekly", 0.10, 0.20)
    assert (p.markdown_week, p.markdown_target, p.variance_threshold, p.emergency_threshold) == (6, 0.60, 0.20, 0.30)
    assert (p.markdown_elasticity, p.markdown_step, p.markdown_cap, p.price_elasticity, p.n_clusters) == (
        2.0, 0.05, 0.40, 1.76, 3)
    assert p.season_end == date(2025, 5, 11)  # 2025-02-17 + 12*7 - 1 days


def test_no_replenishment_changes_holdback_and_safety_defaults() -> None:
    p = make_parameters({**BASE, "replenishment": "none"})
    assert p.dc_holdback == 0.0
    assert p.safety_stock == 0.25


def test_explicit_safety_stock_overrides_default() -> None:
    assert make_parameters({**BASE, "replenishment": "none", "safety_stock": 0.1}).safety_stock == 0.1


def test_holdback_with_no_replenishment_is_rejected_with_reason() -> None:
    with pytest.raises(ParameterError) as exc:
        make_parameters({**BASE, "replenishment": "none", "dc_holdback": 0.3})
    assert exc.value.messages == [
        "dc_holdback = 0.3 is not allowed with replenishment 'none': stock held at the DC could never "
        "reach a store; allowed 0 with 'none'"
    ]


def test_non_monday_start_moves_to_monday_and_says_so() -> None:
    p = make_parameters({**BASE, "season_start": "2025-03-01"})
    assert p.season_start == date(2025, 2, 24)
    assert p.season_start_requested == date(2025, 3, 1)
    assert p.notes == [
        "season_start 2025-03-01 is a Saturday; weeks run Monday..Sunday, so the season starts on "
        "Monday 2025-02-24"
    ]
    # Round trip keeps both dates and stays valid.
    again = SeasonParameters.model_validate(p.model_dump())
    assert again.season_start == date(2025, 2, 24) and again.season_start_requested == date(2025, 3, 1)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("horizon_weeks", 0, "horizon_weeks = 0 is out of range: allowed [1, 52]"),
        ("horizon_weeks", 53, "horizon_weeks = 53 is out of range: allowed [1, 52]"),
        ("dc_holdback", 0.95, "dc_holdback = 0.95 is out of range: allowed [0, 0.9]"),
        ("safety_stock", -0.1, "safety_stock = -0.1 is out of range: allowed [0, 1]"),
        ("variance_threshold", 0.01, "variance_threshold = 0.01 is out of range: allowed [0.05, 1]"),
        ("n_clusters", 9, "n_clusters = 9 is out of range: allowed [2, 8]"),
        ("markdown_elasticity", 0, "markdown_elasticity = 0 is out of range: allowed (0, 20]"),
        ("price_elasticity", -1, "price_elasticity = -1 is out of range: allowed (0, 10]"),
        ("markdown_week", 13, "markdown_week = 13 is out of range: allowed 1..12 (horizon_weeks) or empty"),
        ("replenishment", "monthly", "replenishment = 'monthly' is not allowed: allowed none, weekly, bi-weekly"),
    ],
)
def test_out_of_range_values_name_field_value_and_range(field: str, value: object, message: str) -> None:
    with pytest.raises(ParameterError) as exc:
        make_parameters({**BASE, field: value})
    assert any(m.startswith(message) for m in exc.value.messages), exc.value.messages


def test_emergency_threshold_must_exceed_variance_threshold() -> None:
    with pytest.raises(ParameterError) as exc:
        make_parameters({**BASE, "variance_threshold": 0.4, "emergency_threshold": 0.3})
    assert "emergency_threshold = 0.3 must be greater than variance_threshold = 0.4" in exc.value.messages


def test_all_problems_reported_at_once() -> None:
    with pytest.raises(ParameterError) as exc:
        make_parameters({**BASE, "horizon_weeks": 60, "n_clusters": 1, "safety_stock": 2})
    assert len(exc.value.messages) == 3


def test_missing_and_unknown_fields_are_named() -> None:
    with pytest.raises(ParameterError) as exc:
        make_parameters({"season_start": "2025-02-17", "colour": "red"})
    assert "category is required" in exc.value.messages
    assert "colour is not a known parameter" in exc.value.messages


def test_no_markdown_checkpoint_and_short_season_default() -> None:
    assert make_parameters({**BASE, "markdown_week": None}).markdown_week is None
    assert make_parameters({**BASE, "horizon_weeks": 4}).markdown_week is None


def test_replenishment_spellings_are_normalised() -> None:
    assert make_parameters({**BASE, "replenishment": "Bi Weekly"}).replenishment == "bi-weekly"
    assert make_parameters({**BASE, "replenishment": "biweekly"}).replenishment == "bi-weekly"


@given(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(sorted(k for k, v in BOUNDS.items()
                                                                        if isinstance(v[0], float))))
def test_any_float_is_either_valid_in_range_or_a_parameter_error(value: float, field: str) -> None:
    data = {**BASE, field: value}
    if field == "emergency_threshold":
        data["variance_threshold"] = 0.05
    try:
        p = make_parameters(data)
    except ParameterError as exc:
        assert exc.messages and all(isinstance(m, str) and m for m in exc.messages)
        return
    lo, hi, _, _ = BOUNDS[field]
    assert lo <= getattr(p, field) <= hi
