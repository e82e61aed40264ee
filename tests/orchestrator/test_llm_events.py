"""An LLM that is configured but unreachable: the workflow goes on with templates / rules, and the
timeline says so (event `llm_fallback` with the error and the attempts made)."""

from __future__ import annotations

import socket

import pytest

from tests.orchestrator.conftest import params
from tests.orchestrator.helpers import new_service, small_dataset

pytest.importorskip("agents")


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port  # nothing listens there: every connection is refused at once


@pytest.fixture
def unreachable_llm(monkeypatch):
    from core.agents.runtime import reset_breaker
    from core.agents.settings import LLMSettings

    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    reset_breaker()
    yield LLMSettings(api_key="sk-test-not-a-real-key", base_url=f"http://127.0.0.1:{_closed_port()}/v1",
                      timeout_s=0.3, attempts=2, backoff_s=(0.01,), cooldown_s=300.0, source="explicit")
    reset_breaker()


def test_explanations_falling_back_to_templates_are_recorded(db_url, unreachable_llm) -> None:
    svc = new_service(db_url, llm_settings=unreachable_llm)
    doc = svc.start_workflow(params(), dataset_id=small_dataset(svc))
    assert doc.state == "awaiting_order_approval"
    assert doc.explanations["order"]["source"] == "template"
    assert doc.explanations["order"]["attempts"] == 2 and doc.explanations["order"]["error"]

    fallbacks = [e for e in svc.events(doc.workflow_id) if e.kind == "llm_fallback"]
    assert len(fallbacks) == 1
    ev = fallbacks[0]
    assert ev.step == "forecast"
    assert ev.data["attempts"] == 2 and ev.data["kinds"] == ["order"] and ev.data["fallback"] == "template"
    assert ev.data["skipped"] is False and ev.data["error"].startswith("attempt 2: ")
    assert "failed after 2 attempts for 1 explanation (order)" in ev.message
    assert "template explanations were used" in ev.message

    # The breaker is open now: the allocation step's explanations skip the endpoint, and say so.
    doc = svc.decide(doc.workflow_id, accept=True)
    assert doc.state == "in_season"
    later = [e for e in svc.events(doc.workflow_id) if e.kind == "llm_fallback" and e.step == "allocate"]
    assert len(later) == 1
    assert later[0].data["skipped"] is True and later[0].data["attempts"] == 0
    assert "endpoint skipped" in later[0].data["error"]
    assert later[0].data["kinds"][0] == "allocation"
    assert later[0].message.startswith("LLM skipped after recent failures for ")
    svc.close()


def test_parameters_read_by_rules_after_llm_failure_are_recorded_on_the_workflow(db_url, unreachable_llm) -> None:
    svc = new_service(db_url, llm_settings=unreachable_llm)
    ds = small_dataset(svc)
    text = "Dresses, 6 weeks from 2025-03-03, markdown at week 3, 2 clusters"
    extraction = svc.extract_parameters(text, ds)
    assert extraction.source == "rules" and extraction.attempts == 2 and extraction.error
    values = dict(extraction.values)
    assert values["category"] == "Dresses" and values["horizon_weeks"] == 6
    doc = svc.start_workflow(values, dataset_id=ds, source_text=text)
    events = svc.events(doc.workflow_id)
    [param_ev] = [e for e in events if e.kind == "llm_fallback" and e.step == "parameters"]
    assert param_ev.data == {"use": "parameters", "attempts": 2, "error": extraction.error, "skipped": False,
                             "fallback": "rules"}
    assert "failed after 2 attempts reading the parameters" in param_ev.message
    # the order explanation afterwards found the endpoint skipped
    [step_ev] = [e for e in events if e.kind == "llm_fallback" and e.step == "forecast"]
    assert step_ev.data["skipped"] is True
    svc.close()


def test_no_fallback_event_without_an_llm(db_url, monkeypatch) -> None:
    from core.agents.settings import LLMSettings

    svc = new_service(db_url, llm_settings=LLMSettings())  # no key, no URL: templates by design
    doc = svc.start_workflow(params(), dataset_id=small_dataset(svc))
    doc = svc.decide(doc.workflow_id, accept=True)
    assert doc.explanations["order"]["source"] == "template" and doc.explanations["order"]["error"] is None
    assert [e for e in svc.events(doc.workflow_id) if e.kind == "llm_fallback"] == []
    svc.close()
