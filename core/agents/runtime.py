"""Running an SDK agent so that a broken or slow endpoint can never stop the workflow.

One call = at most `settings.attempts` attempts, each bounded by `settings.timeout_s` (the whole
agent run, tool turns included), with backoff waits between them. After the last failure the
caller gets `output=None` plus the error, and uses its deterministic fallback. When a call has
failed every attempt, the endpoint is skipped for `settings.cooldown_s` so a season step that
asks for several explanations pays the bounded wait once, not once per explanation.

The Agents SDK is imported inside the functions: importing this module stays cheap.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from core.agents.settings import LLMSettings, apply_tracing
from core.scrub import scrub

T = TypeVar("T")
MAX_TURNS = 6  # a tool call or two, then the typed answer


@dataclass
class CallOutcome:
    output: Any | None
    attempts: int
    error: str | None
    skipped: bool = False  # endpoint in cool-down: no attempt was made


class _Breaker:
    """Per-endpoint memory of a recent total failure (process-wide, thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open_until: dict[str, tuple[float, str]] = {}

    def blocked(self, key: str) -> str | None:
        with self._lock:
            entry = self._open_until.get(key)
            if entry is None:
                return None
            until, error = entry
            if time.monotonic() >= until:
                del self._open_until[key]
                return None
            return f"LLM endpoint skipped for another {until - time.monotonic():.0f} s after failing: {error}"

    def trip(self, key: str, cooldown_s: float, error: str) -> None:
        if cooldown_s <= 0:
            return
        with self._lock:
            self._open_until[key] = (time.monotonic() + cooldown_s, error)

    def reset(self) -> None:
        with self._lock:
            self._open_until.clear()


BREAKER = _Breaker()


def reset_breaker() -> None:
    """Forget recent endpoint failures (tests; or after the planner fixed the configuration)."""
    BREAKER.reset()


def build_model(settings: LLMSettings) -> tuple[Any, Callable[[], Awaitable[None]]]:
    """The SDK Model for these settings and a coroutine function that releases it.

    Built per attempt inside the running event loop: an httpx client must not outlive its loop.
    """
    if settings.model_factory is not None:
        async def _noop() -> None:
            return None

        return settings.model_factory(), _noop

    from agents import OpenAIChatCompletionsModel, OpenAIResponsesModel
    from openai import AsyncOpenAI

    client = AsyncOpenAI(
        # Local OpenAI-compatible servers ignore the key, but the client insists on one.
        api_key=settings.api_key or "not-needed",
        base_url=settings.base_url,
        timeout=settings.timeout_s,
        max_retries=0,  # our own attempts and backoff are the only retries
    )
    if settings.base_url:
        model: Any = OpenAIChatCompletionsModel(model=settings.model, openai_client=client)
    else:
        model = OpenAIResponsesModel(model=settings.model, openai_client=client)
    return model, client.close


def _describe(exc: BaseException) -> str:
    # An endpoint may echo the request (Authorization header included) in its error body.
    text = scrub(str(exc).strip().replace("\n", " "))
    if len(text) > 300:
        text = text[:297] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _is_malformed(exc: BaseException) -> bool:
    try:
        from agents import ModelBehaviorError
    except Exception:  # pragma: no cover - SDK missing
        return False
    return isinstance(exc, ModelBehaviorError)


async def _run_with_attempts(agent: Any, prompt: str, settings: LLMSettings, context: Any) -> CallOutcome:
    from agents import RunConfig, Runner

    sleep = settings.sleep or asyncio.sleep
    errors: list[BaseException] = []
    last_error = ""
    for attempt in range(1, settings.attempts + 1):
        if attempt > 1 and settings.backoff_s:
            idx = min(attempt - 2, len(settings.backoff_s) - 1)
            await sleep(settings.backoff_s[idx])
        model, close = build_model(settings)
        try:
            result = await asyncio.wait_for(
                Runner.run(
                    agent,
                    prompt,
                    context=context,
                    max_turns=MAX_TURNS,
                    run_config=RunConfig(model=model, tracing_disabled=not settings.tracing),
                ),
                timeout=settings.timeout_s,
            )
            output = result.final_output
            expected = getattr(agent, "output_type", None)
            if isinstance(expected, type) and not isinstance(output, expected):
                raise TypeError(f"model answer is not a {expected.__name__}: {str(output)[:120]!r}")
            return CallOutcome(output=output, attempts=attempt, error=None)
        except asyncio.TimeoutError as exc:
            errors.append(exc)
            last_error = f"attempt {attempt}: no answer within {settings.timeout_s:g} s"
        except Exception as exc:  # any failure is one failed attempt; the workflow goes on
            errors.append(exc)
            last_error = f"attempt {attempt}: {_describe(exc)}"
        finally:
            try:
                await close()
            except Exception:
                pass
    # Malformed answers come from a working endpoint: no reason to skip it for later calls.
    if not all(_is_malformed(e) for e in errors):
        BREAKER.trip(settings.endpoint, settings.cooldown_s, last_error)
    return CallOutcome(output=None, attempts=settings.attempts, error=last_error)


def _run_coroutine(factory: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine from synchronous code, whether or not this thread already has a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())  # type: ignore[arg-type]
    # Called from inside a running loop (e.g. an async web handler): use a private thread.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="season-planner-llm") as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()  # type: ignore[arg-type]


def call_agent(agent: Any, prompt: str, *, settings: LLMSettings, context: Any = None) -> CallOutcome:
    """Run `agent` on `prompt` with bounded retries. Never raises."""
    blocked = BREAKER.blocked(settings.endpoint)
    if blocked:
        return CallOutcome(output=None, attempts=0, error=blocked, skipped=True)
    try:
        apply_tracing(settings)
        return _run_coroutine(lambda: _run_with_attempts(agent, prompt, settings, context))
    except Exception as exc:  # SDK missing or broken: the fallback still works
        return CallOutcome(output=None, attempts=0, error=_describe(exc))
