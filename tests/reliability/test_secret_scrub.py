"""Secrets never leave: an LLM endpoint that echoes the request's Authorization header in its error
puts the API key nowhere (events, workflow context, status JSON, stderr); neither does a --db URL."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.reliability import cli, data, dbdump

pytest.importorskip("agents")

KEY = "echo-me-key-4f1b2c3d4e5f"  # not sk- shaped: only the configured value identifies it


class EchoStub:
    """Answers every request 401 with the request headers in the error message, like some proxies do."""

    def __init__(self) -> None:
        stub = self
        self.requests = 0

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                stub.requests += 1
                echoed = "; ".join(f"{k}: {v}" for k, v in self.headers.items())
                body = json.dumps({"error": {"message": f"invalid key, request was {echoed}",
                                             "type": "invalid_request_error"}}).encode()
                self.send_response(401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"


@pytest.fixture
def echo() -> Iterator[EchoStub]:
    stub = EchoStub()
    try:
        yield stub
    finally:
        stub.server.shutdown()
        stub.server.server_close()


def test_an_echoed_api_key_reaches_no_event_context_status_or_stderr(echo: EchoStub, db_url: str,
                                                                      tmp_path: Path) -> None:
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": echo.url, "SEASON_PLANNER_LLM_TIMEOUT": "0.5"}
    h = cli.write(tmp_path / "history.csv", data.history_csv())
    s = cli.write(tmp_path / "stores.csv", data.stores_csv())
    p = tmp_path / "params.json"
    p.write_text(json.dumps(data.params()))
    planned = cli.run(db_url, "plan", "--history", str(h), "--stores", str(s), "--params", str(p), "--json",
                      env=env)
    outputs = [planned.stdout, planned.stderr]
    wf = json.loads(planned.stdout)["workflow_id"]
    for args in (("decide", wf, "--accept", "--json"), ("status", wf, "--json")):
        r = cli.run(db_url, *args, env=env)
        outputs += [r.stdout, r.stderr]
    assert echo.requests >= 1, "the LLM endpoint was never called: the test proves nothing"
    stored = json.dumps(dbdump.dump(db_url))
    dbdump.forget(db_url)
    assert "[redacted]" in stored, "the echoed error was not stored at all: the test proves nothing"
    for where, text in [("database", stored), *((f"output {i}", o) for i, o in enumerate(outputs))]:
        assert KEY not in text, f"{where} carries the API key"
        assert "Bearer echo" not in text, where


@pytest.mark.parametrize("url", ["postgresql+psycopg://planner:pw-hunter2-xyz@db.internal:notaport/season",
                                 "postgresql+psycopg//planner:pw-hunter2-xyz@db.internal:5432/season"])
def test_an_unparsable_db_url_does_not_print_its_password(url: str, tmp_path: Path) -> None:
    r = cli.run(url, "list")
    assert r.returncode == 2, r.stderr
    assert "pw-hunter2-xyz" not in r.stderr + r.stdout and "[redacted]" in r.stderr
    assert not (cli.ROOT / "postgresql+psycopg").exists(), "a mistyped URL was taken for a file path"
