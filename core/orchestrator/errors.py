"""The workflow errors, re-exported: they live in the domain (core.domain.errors)."""

from core.domain.errors import (  # noqa: F401
    ActionNotAllowed,
    AlreadyDecided,
    ConcurrencyConflict,
    MissingStores,
    NotFound,
    TransientStepError,
    WeekAlreadyStored,
)
