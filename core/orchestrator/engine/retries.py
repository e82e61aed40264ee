"""Retry policy for steps: transient failures are retried 3 times with 1 s, 2 s, 4 s backoff."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from core.domain.errors import TransientStepError

T = TypeVar("T")
DEFAULT_DELAYS: tuple[float, ...] = (1.0, 2.0, 4.0)


def is_transient(exc: BaseException) -> bool:
    """Failures that may succeed on a second try: locks, timeouts, dropped connections."""
    if isinstance(exc, (TransientStepError, TimeoutError, ConnectionError)):
        return True
    from core.db.engine import DatabaseDisconnected, DatabaseLocked

    if isinstance(exc, (DatabaseLocked, DatabaseDisconnected)):  # a lock that may clear, a dropped connection
        return True
    try:
        from sqlalchemy.exc import DBAPIError, OperationalError
    except ImportError:  # pragma: no cover
        return False
    if isinstance(exc, OperationalError):
        text = str(exc).lower()
        return any(k in text for k in ("locked", "busy", "timeout", "connection", "server closed"))
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return False


def is_permanent(exc: BaseException) -> bool:
    """A failure of the step's own computation: retrying the pure step on the same stored data fails
    the same way. Transient failures and the environment's (disk, database, files) are not: once
    their cause is fixed a retry works."""
    if is_transient(exc) or isinstance(exc, OSError):
        return False
    from core.db.engine import DatabaseUnavailable

    if isinstance(exc, DatabaseUnavailable):
        return False
    try:
        from sqlalchemy.exc import SQLAlchemyError
    except ImportError:  # pragma: no cover
        return True
    return not isinstance(exc, SQLAlchemyError)


RETRY_WILL_NOT_HELP = ("retrying will not help (the step fails the same way on the same data); close the season "
                       "to end it with the report of what happened")


def run_with_retries(
    attempt: Callable[[], T],
    *,
    delays: Sequence[float] = DEFAULT_DELAYS,
    sleep: Callable[[float], None],
    on_retry: Callable[[int, float, BaseException], None] | None = None,
) -> T:
    """Call `attempt`; on a transient error wait delays[i] and try again; re-raise the last error."""
    for i in range(len(delays) + 1):
        try:
            return attempt()
        except Exception as exc:
            if not is_transient(exc) or i == len(delays):
                raise
            if on_retry is not None:
                on_retry(i + 1, delays[i], exc)
            sleep(delays[i])
    raise AssertionError("unreachable")  # pragma: no cover
