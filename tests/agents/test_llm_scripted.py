"""The LLM path with the SDK's ScriptedModel (no network): typed answers, tools that call the
engine, malformed answers, failing and slow models, validation of out-of-range answers."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import date

import pytest

agents_testing = pytest.importorskip("agents.testing")
from agents.testing import ModelStep, ScriptedModel, assistant_message, function_call  # noqa: E402

from core.agents import explain, extract_parameters  # noqa: E402
from core.agents.runtime import reset_breaker  # noqa: E402
from core.agents.settings import LLMSettings  # noqa: E402
from core.domain.params import SeasonParameters  # noqa: E402

CATS = ["Women's Dresses", "Men's Shirts", "Accessories"]
SPEC_TEXT = (
    "I'm planning a 12-week spring fashion season starting March 1st. Send all inventory to "
    "stores at launch with no DC holdback. I don't want ongoing replenishment - just one initial "
    "allocation. Check for markdown opportunities at week 6 if we're below 60% sell-through."
)
EMPTY_DRAFT = {k: None for k in (
    "category", "season_start_year", "season_start_month", "season_start_day", "horizon_weeks", "replenishment",
    "dc_holdback", "safety_stock", "markdown_week", "no_markdown", "markdown_target", "variance_threshold",
    "emergency_threshold", "markdown_elasticity", "markdown_step", "markdown_cap", "price_elasticity", "n_clusters")}


def draft(**kw) -> dict:
    d = dict(EMPTY_DRAFT, unclear=[])
    d.update(kw)
    return d


SPEC_DRAFT = draft(season_start_month=3, season_start_day=1, horizon_weeks=12, replenishment="none",
                   dc_holdback=0.0, markdown_week=6, markdown_target=0.6)


class SleepRecorder:
    """Stands in for asyncio.sleep between attempts: records the backoff, waits for nothing."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture(autouse=True)
def _fresh_breaker():
    reset_breaker()
    yield
    reset_breaker()


def settings_for(model: ScriptedModel, **kw) -> tuple[LLMSettings, SleepRecorder]:
    sleep = SleepRecorder()
    return LLMSettings(model_factory=lambda: model, sleep=sleep, **kw), sleep


# ------------------------------------------------------------------------------ parameters
def test_structured_extraction_from_the_model_with_a_validation_tool_call():
    model = ScriptedModel([
        [function_call("check_parameters", {"draft": SPEC_DRAFT}, call_id="c1")],
        [assistant_message(json.dumps(dict(SPEC_DRAFT, category="womens dresses")))],
    ])
    s, sleep = settings_for(model)
    e = extract_parameters(SPEC_TEXT, categories=CATS, history_end=date(2024, 12, 31), settings=s)
    assert e.source == "llm" and e.attempts == 1 and e.error is None
    v = e.values
    assert (v["category"], v["season_start"], v["horizon_weeks"], v["replenishment"]) == (
        "Women's Dresses", date(2025, 3, 1), 12, "none")
    assert (v["dc_holdback"], v["markdown_week"], v["markdown_target"], v["safety_stock"]) == (0.0, 6, 0.6, 0.25)
    assert "category" in e.found and "safety_stock" not in e.found
    assert any("2025-02-24" in n for n in e.notes)
    model.assert_complete()
    # The tool really validated the draft: its output (no problems) went back to the model.
    second = model.calls[1]
    outputs = [i for i in second.input if isinstance(i, dict) and i.get("type") == "function_call_output"]
    assert outputs and json.loads(outputs[0]["output"]) == {"valid": True, "problems": []}
    # The model was told the categories and the history end, and asked for the typed draft.
    assert "Women's Dresses" in model.first_call.system_instructions
    assert "2024-12-31" in model.first_call.system_instructions
    assert model.first_call.output_schema.name() == "ParameterDraft"
    assert sleep.waits == []


def test_validation_tool_reports_out_of_range_values_to_the_model():
    bad = draft(dc_holdback=1.5, replenishment="weekly")
    model = ScriptedModel([
        [function_call("check_parameters", {"draft": bad}, call_id="c1")],
        [assistant_message(json.dumps(draft(dc_holdback=0.5, replenishment="weekly")))],
    ])
    s, _ = settings_for(model)
    e = extract_parameters("half held back, weekly", categories=CATS, history_end=date(2024, 12, 31), settings=s)
    out = [i for i in model.calls[1].input if isinstance(i, dict) and i.get("type") == "function_call_output"]
    assert json.loads(out[0]["output"]) == {
        "valid": False, "problems": ["dc_holdback = 1.5 is out of range: allowed [0, 0.9]"],
    }
    assert e.source == "llm" and e.values["dc_holdback"] == 0.5


def test_out_of_range_answer_is_rejected_and_the_rules_reading_used():
    model = ScriptedModel(
        [[assistant_message(json.dumps(draft(horizon_weeks=12, dc_holdback=1.5, replenishment="weekly")))]]
    )
    s, _ = settings_for(model)
    e = extract_parameters("a 12-week season, 30% holdback, weekly replenishment", categories=CATS,
                           history_end=date(2024, 12, 31), settings=s)
    assert e.source == "rules"
    assert e.values["dc_holdback"] == pytest.approx(0.30)  # the rules' reading, not the model's 1.5
    assert e.attempts == 1
    assert e.error == "dc_holdback = 1.5 is out of range: allowed [0, 0.9]"
    assert any(f.startswith("LLM answer rejected by validation (dc_holdback = 1.5") for f in e.flagged)
    SeasonParameters.model_validate(e.values)


def test_markdown_week_beyond_the_horizon_from_the_model_is_rejected():
    model = ScriptedModel([[assistant_message(json.dumps(draft(horizon_weeks=8, markdown_week=10)))]])
    s, _ = settings_for(model)
    e = extract_parameters("8 weeks", categories=CATS, history_end=date(2024, 12, 31), settings=s)
    assert e.source == "rules" and "markdown_week = 10 is out of range" in (e.error or "")


def test_malformed_answer_falls_back_to_rules_and_is_flagged():
    model = ScriptedModel([[assistant_message("Sure! The season is 12 weeks long.")] for _ in range(3)])
    s, sleep = settings_for(model)
    e = extract_parameters(SPEC_TEXT, categories=CATS, history_end=date(2024, 12, 31), settings=s)
    assert e.source == "rules" and e.attempts == 3
    assert "ModelBehaviorError" in (e.error or "")
    assert any(f.startswith("LLM failed after 3 attempts") for f in e.flagged)
    assert e.values["replenishment"] == "none" and e.values["horizon_weeks"] == 12  # still a full reading
    assert sleep.waits == [1.0, 2.0]
    model.assert_complete()


def test_malformed_answers_do_not_take_the_endpoint_out_of_service():
    model = ScriptedModel([[assistant_message("not json")] for _ in range(3)]
                          + [[assistant_message(json.dumps(draft(horizon_weeks=10)))]])
    s, _ = settings_for(model)
    extract_parameters("x", categories=CATS, settings=s)
    e = extract_parameters("x", categories=CATS, settings=s)
    assert e.source == "llm" and e.values["horizon_weeks"] == 10


def test_failing_model_three_attempts_with_backoff_then_rules_then_skipped():
    model = ScriptedModel([ConnectionError("endpoint down")] * 3)
    s, sleep = settings_for(model)
    started = time.perf_counter()
    e = extract_parameters(SPEC_TEXT, categories=CATS, history_end=date(2024, 12, 31), settings=s)
    assert time.perf_counter() - started < 5  # the backoff was recorded, not slept
    assert e.source == "rules" and e.attempts == 3
    assert e.error == "attempt 3: ConnectionError: endpoint down"
    assert sleep.waits == [1.0, 2.0]
    assert e.values["season_start"] == date(2025, 3, 1)
    model.assert_complete()
    # The next call within the cool-down does not wait for the broken endpoint again.
    again = explain("order", {"order_qty": 100}, settings=s)
    assert again.source == "template" and again.attempts == 0
    assert again.error.startswith("LLM endpoint skipped for another")
    assert "endpoint down" in again.error


def test_second_attempt_succeeds_after_one_failure():
    model = ScriptedModel([RuntimeError("503"), [assistant_message(json.dumps(draft(horizon_weeks=9)))]])
    s, sleep = settings_for(model)
    e = extract_parameters("nine weeks", categories=CATS, settings=s)
    assert (e.source, e.attempts, e.values["horizon_weeks"], sleep.waits) == ("llm", 2, 9, [1.0])


def test_slow_model_is_cut_off_by_the_per_attempt_timeout():
    async def never_answers(call):
        await asyncio.sleep(30)
        return [assistant_message("{}")]

    model = ScriptedModel([ModelStep.respond(never_answers) for _ in range(3)])
    s, sleep = settings_for(model, timeout_s=0.2)
    started = time.perf_counter()
    x = explain("order", {"forecast_total": 1000, "safety_stock": 0.2, "order_qty": 1200}, settings=s)
    elapsed = time.perf_counter() - started
    assert x.source == "template" and x.attempts == 3
    assert x.error == "attempt 3: no answer within 0.2 s"
    assert elapsed < 3 * 0.2 + 1.5  # three bounded attempts, fake backoff
    assert "1,200 units" in x.text


def test_model_date_without_year_follows_the_history():
    model = ScriptedModel([[assistant_message(json.dumps(draft(season_start_month=3, season_start_day=1)))]])
    s, _ = settings_for(model)
    e = extract_parameters("from March 1st", categories=CATS, history_end=date(2025, 6, 30), settings=s)
    assert e.values["season_start"] == date(2026, 3, 1)


def test_model_category_not_in_the_data_is_flagged_and_defaulted():
    model = ScriptedModel([[assistant_message(json.dumps(draft(category="Swimwear", unclear=["beach vibes"])))]])
    s, _ = settings_for(model)
    e = extract_parameters("swimwear, beach vibes", categories=CATS, settings=s)
    assert e.source == "llm" and e.values["category"] == "Women's Dresses"
    assert any("category 'Swimwear' is not in the data set" in f and "defaulted to 'Women's Dresses'" in f
               for f in e.flagged)
    assert 'the model could not read: "beach vibes"' in e.flagged


def test_no_markdown_from_the_model():
    model = ScriptedModel([[assistant_message(json.dumps(draft(no_markdown=True, markdown_week=6)))]])
    s, _ = settings_for(model)
    e = extract_parameters("no markdowns", categories=CATS, settings=s)
    assert e.values["markdown_week"] is None and "markdown_week" in e.found


# ------------------------------------------------------------------------------ explanations
ORDER_FACTS = {"category": "Women's Dresses", "forecast_total": 10234.0, "safety_stock": 0.2, "order_qty": 12281}


def test_explanation_from_the_model():
    answer = {"explanation": "Order 12,281 units: the 10,234-unit forecast plus 20% safety stock.",
              "forecast_total": 10234, "order_qty": 12281}
    model = ScriptedModel([[assistant_message(json.dumps(answer))]])
    s, _ = settings_for(model)
    x = explain("order", ORDER_FACTS, settings=s)
    assert (x.source, x.attempts, x.error) == ("llm", 1, None)
    assert x.text == answer["explanation"]
    call = model.first_call
    assert "You cover demand" in call.system_instructions
    assert sorted(t.name for t in call.tools) == ["forecast_weeks", "manufacturing_order"]
    assert call.output_schema.name() == "DemandExplanation"
    assert "12281" in call.input if isinstance(call.input, str) else "12281" in json.dumps(call.input)


def test_explanation_contradicting_the_engine_numbers_is_replaced_by_the_template():
    answer = {"explanation": "Order 15,000 units.", "forecast_total": 10234, "order_qty": 15000}
    model = ScriptedModel([[assistant_message(json.dumps(answer))]])
    s, _ = settings_for(model)
    x = explain("order", ORDER_FACTS, settings=s)
    assert x.source == "template"
    assert x.error == "model answer not used: model quoted order 15000, engine computed 12281"
    assert "= 12,281 units" in x.text


def test_pricing_agent_tool_runs_the_engine_markdown_rule():
    from core.domain.params import make_parameters

    params = make_parameters({"category": "Women's Dresses", "season_start": date(2025, 2, 24)})
    facts = {"week": 6, "sold_to_date": 5000, "approved_qty": 10000, "sell_through": 0.5, "target": 0.6,
             "gap": 0.1, "depth": 0.2, "params": params}
    final = {"explanation": "Half the stock sold by week 6, ten points under target: 20% off is proposed.",
             "sell_through": 50, "depth": 0.2}
    model = ScriptedModel([
        [function_call("markdown_proposal", {"week": 6, "sold_to_date": 5000, "approved_qty": 10000}, call_id="m1")],
        [assistant_message(json.dumps(final))],
    ])
    s, _ = settings_for(model)
    x = explain("markdown", facts, settings=s)
    assert x.source == "llm" and x.text == final["explanation"]
    out = [i for i in model.calls[1].input if isinstance(i, dict) and i.get("type") == "function_call_output"]
    tool_result = json.loads(out[0]["output"])
    assert (tool_result["sell_through"], tool_result["gap"], tool_result["depth"]) == (0.5, 0.1, 0.2)
    assert "You cover pricing" in model.first_call.system_instructions


@pytest.mark.parametrize(
    "kind, agent_words, tools",
    [
        ("allocation", "You cover inventory", ["initial_shipment", "split_units"]),
        ("skip", "You cover inventory", ["initial_shipment", "split_units"]),
        ("variance", "weekly variance check", ["variance_against_plan"]),
        ("reforecast", "You cover demand", ["forecast_weeks", "manufacturing_order"]),
    ],
)
def test_each_kind_goes_to_its_agent(kind, agent_words, tools):
    fields = {"allocation": {"initial_units": None, "dc_units": None},
              "skip": {"initial_units": None, "dc_units": None},
              "variance": {"variance": None, "reforecast": None},
              "reforecast": {"forecast_total": None, "order_qty": None}}[kind]
    model = ScriptedModel([[assistant_message(json.dumps({"explanation": "ok.", **fields}))]])
    s, _ = settings_for(model)
    x = explain(kind, {"week": 3}, settings=s)
    assert x.source == "llm"
    assert agent_words in model.first_call.system_instructions
    assert sorted(t.name for t in model.first_call.tools) == tools


def test_variance_tool_uses_the_engine_formula():
    model = ScriptedModel([
        [function_call("variance_against_plan", {"actual": 1300, "plan": 1000}, call_id="v1")],
        [assistant_message(json.dumps(
            {"explanation": "30% over plan, re-forecast.", "variance": 0.3, "reforecast": True}
        ))],
    ])
    s, _ = settings_for(model)
    x = explain("variance", {"week": 5, "actual": 1300, "plan": 1000, "variance": 0.3, "reforecast": True}, settings=s)
    out = [i for i in model.calls[1].input if isinstance(i, dict) and i.get("type") == "function_call_output"]
    assert float(out[0]["output"]) == pytest.approx(0.3)
    assert x.source == "llm"


def test_variance_explanation_with_the_wrong_decision_is_not_used():
    model = ScriptedModel(
        [[assistant_message(json.dumps({"explanation": "No action.", "variance": 0.3, "reforecast": False}))]]
    )
    s, _ = settings_for(model)
    x = explain("variance", {"week": 5, "actual": 1300, "plan": 1000, "variance": 0.3, "reforecast": True}, settings=s)
    assert x.source == "template" and "reforecast=False" in x.error


def test_category_the_model_left_out_is_matched_in_the_text():
    model = ScriptedModel([[assistant_message(json.dumps(draft(horizon_weeks=8)))]])
    s, _ = settings_for(model)
    e = extract_parameters("8 weeks of accessories", categories=CATS, settings=s)
    assert e.source == "llm" and e.values["category"] == "Accessories" and "category" in e.found
