"""End to end through the real OpenAI client against a stub OpenAI-compatible server on 127.0.0.1
(Chat Completions, as Ollama / vLLM / LM Studio speak it): answers, errors, slowness, no server."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytest.importorskip("agents")

from core.agents import explain, extract_parameters  # noqa: E402
from core.agents.runtime import reset_breaker  # noqa: E402
from core.agents.settings import LLMSettings  # noqa: E402

CATS = ["Women's Dresses", "Men's Shirts", "Accessories"]
TEXT = "A 10-week Men's Shirts season from 2025-03-03, replenish weekly, 30% holdback."
DRAFT = {
    "category": "Men's Shirts", "season_start_year": 2025, "season_start_month": 3, "season_start_day": 3,
    "horizon_weeks": 10, "replenishment": "weekly", "dc_holdback": 0.3, "safety_stock": None, "markdown_week": None,
    "no_markdown": None, "markdown_target": None, "variance_threshold": None, "emergency_threshold": None,
    "markdown_elasticity": None, "markdown_step": None, "markdown_cap": None, "price_elasticity": None,
    "n_clusters": None, "unclear": [],
}


class StubServer:
    """A minimal /v1/chat/completions: mode 'ok' answers `content`, 'error' returns HTTP 500,
    'slow' answers after `delay` seconds. Every request body is recorded."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.content = "{}"
        self.delay = 0.0
        self.requests: list[dict] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                stub.requests.append({"path": self.path, "body": body})
                if stub.mode == "error":
                    self._send(500, {"error": {"message": "model crashed", "type": "server_error"}})
                    return
                if stub.mode == "slow":
                    time.sleep(stub.delay)
                self._send(200, {
                    "id": "chatcmpl-stub", "object": "chat.completion", "created": 0, "model": body.get("model"),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": stub.content}}],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
                })

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout): that is the point of the slow mode

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def stub() -> Iterator[StubServer]:
    reset_breaker()
    server = StubServer()
    yield server
    server.close()
    reset_breaker()


def settings_for(base_url: str, timeout_s: float = 2.0) -> LLMSettings:
    # Short backoff so the test is quick; the production default is 1 s, 2 s.
    return LLMSettings(base_url=base_url, model="stub-model", timeout_s=timeout_s, backoff_s=(0.05, 0.1))


def test_parameters_and_explanations_come_from_the_local_endpoint(stub: StubServer):
    stub.content = json.dumps(DRAFT)
    s = settings_for(stub.base_url)
    e = extract_parameters(TEXT, categories=CATS, history_end=date(2024, 12, 31), settings=s)
    assert (e.source, e.attempts, e.error) == ("llm", 1, None)
    assert (e.values["category"], e.values["horizon_weeks"], e.values["dc_holdback"]) == ("Men's Shirts", 10, 0.3)
    request = stub.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["body"]["model"] == "stub-model"
    assert request["body"]["response_format"]["json_schema"]["name"]
    assert request["body"]["messages"][-1]["content"] == TEXT

    stub.content = json.dumps({"explanation": "Order 1,200 units.", "forecast_total": 1000, "order_qty": 1200})
    x = explain("order", {"forecast_total": 1000, "safety_stock": 0.2, "order_qty": 1200}, settings=s)
    assert (x.source, x.text) == ("llm", "Order 1,200 units.")


def test_endpoint_returning_errors_falls_back_after_three_attempts(stub: StubServer):
    stub.mode = "error"
    s = settings_for(stub.base_url)
    started = time.perf_counter()
    e = extract_parameters(TEXT, categories=CATS, history_end=date(2024, 12, 31), settings=s)
    elapsed = time.perf_counter() - started
    assert len(stub.requests) == 3  # no hidden client retries on top of ours
    assert e.source == "rules" and e.attempts == 3
    assert "InternalServerError" in e.error and "model crashed" in e.error
    assert (e.values["category"], e.values["horizon_weeks"], e.values["replenishment"]) == (
        "Men's Shirts", 10, "weekly"
    )
    assert elapsed < 10
    # The next explanation does not knock on the broken endpoint again.
    x = explain("order", {"order_qty": 1200}, settings=s)
    assert x.source == "template" and x.attempts == 0 and len(stub.requests) == 3


def test_slow_endpoint_is_cut_off_and_the_wait_is_bounded(stub: StubServer):
    stub.mode, stub.delay = "slow", 5.0
    s = settings_for(stub.base_url, timeout_s=0.3)
    started = time.perf_counter()
    x = explain("order", {"forecast_total": 1000, "safety_stock": 0.2, "order_qty": 1200}, settings=s)
    elapsed = time.perf_counter() - started
    assert x.source == "template" and x.attempts == 3
    assert "attempt 3" in x.error
    assert "1,200 units" in x.text
    assert elapsed < s.worst_case_wait_s + 2.0  # 3 x 0.3 s + 0.15 s of backoff, plus start-up slack


def test_no_server_listening_falls_back():
    reset_breaker()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    s = settings_for(f"http://127.0.0.1:{port}/v1", timeout_s=1.0)
    e = extract_parameters(TEXT, categories=CATS, settings=s)
    assert e.source == "rules" and e.attempts == 3 and "APIConnectionError" in e.error
    reset_breaker()
