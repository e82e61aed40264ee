"""LLM outage: with OPENAI_BASE_URL pointing at a stub server on 127.0.0.1 that fails (HTTP 500),
hangs (answers far later than the timeout) or is not there at all, a whole workflow start and the
order decision still complete, within a bounded wait, with template explanations, and the events
say which source was used."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.reliability import data, figures

pytest.importorskip("agents")

TIMEOUT_S = 0.5  # SEASON_PLANNER_LLM_TIMEOUT (the settings clamp it to >= 0.5 s)


class Stub:
    """A failing /v1/chat/completions; counts the requests it received."""

    def __init__(self, mode: str, delay: float = 5.0) -> None:
        self.mode, self.delay, self.requests = mode, delay, 0
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                stub.requests += 1
                if stub.mode == "slow":
                    time.sleep(stub.delay)
                body = json.dumps({"error": {"message": "model crashed", "type": "server_error"}}).encode()
                try:
                    self.send_response(500)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the client gave up waiting: expected for 'slow'
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture(params=["http_500", "slow", "refused"])
def endpoint(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Stub | None]]:
    from core.agents.runtime import reset_breaker

    stub: Stub | None = None
    if request.param == "refused":
        url = f"http://127.0.0.1:{_closed_port()}/v1"
    else:
        stub = Stub("slow" if request.param == "slow" else "error")
        url = stub.url
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    monkeypatch.setenv("SEASON_PLANNER_LLM_TIMEOUT", str(TIMEOUT_S))
    monkeypatch.chdir(data.__file__.rsplit("/", 1)[0])  # no .streamlit/secrets.toml can be picked up
    reset_breaker()
    try:
        yield request.param, stub
    finally:
        reset_breaker()
        if stub is not None:
            stub.stop()


def test_workflow_runs_through_an_llm_outage_with_bounded_wait(endpoint: tuple[str, Stub | None],
                                                               sqlite_url: str) -> None:
    from core.agents.settings import load_settings
    from core.orchestrator.service import PlannerService

    mode, stub = endpoint
    settings = load_settings()
    assert settings.enabled and settings.timeout_s == TIMEOUT_S
    svc = PlannerService(sqlite_url)
    ds = svc.import_dataset(history=data.history_csv(), history_name="h.csv", stores=data.stores_csv(),
                            stores_name="s.csv")
    t0 = time.perf_counter()
    doc = svc.start_workflow(data.params(), dataset_id=ds.id)
    doc = svc.decide(doc.workflow_id, accept=True)
    elapsed = time.perf_counter() - t0
    figures.add("faults injected")
    figures.add(f"LLM outage ({mode}): workflow start + decision, ms", round(elapsed * 1000))
    assert doc.state == "in_season", doc.last_error

    # The LLM was really tried (the stub saw requests), then the templates took over.
    if stub is not None:
        assert stub.requests >= 1
        assert stub.requests <= settings.attempts  # one failed call trips the breaker for later ones
    assert doc.explanations, "no explanation at all"
    assert {e["source"] for e in doc.explanations.values()} == {"template"}
    sourced = [e for e in svc.events(doc.workflow_id) if "explanation_source" in e.data]
    assert sourced and {e.data["explanation_source"] for e in sourced} == {"template"}
    svc.close()

    # Bounded: one failing call costs at most the worst case (attempts x timeout + backoff); the
    # breaker makes every later call skip the endpoint. The rest is the planning itself (a few s).
    assert elapsed < settings.worst_case_wait_s + 30, f"{elapsed:.1f} s"
