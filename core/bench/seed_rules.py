"""The seed's decision rules, restored for the decision benchmark's `seed_` figures only.

The product replaced them (docs/planning-rules.md §6); the benchmark still measures them beside the
defaults so every gain is shown against where the product started. Each is kept in the domain as a
non-default option; this context switches the simulator's calls to them:
  allocation     basis "last_year" (70% same weeks last year + 30% floor space)
  replenishment  the plan x (1 + safety stock) rule (no service level)
  markdown       the checkpoint rule's depth unless the plan reaches the target without one (the
                 recommendation without a price)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any


@contextmanager
def patched(module: Any, **names: Any) -> Iterator[None]:
    old = {k: getattr(module, k) for k in names}
    try:
        for k, v in names.items():
            setattr(module, k, v)
        yield
    finally:
        for k, v in old.items():
            setattr(module, k, v)


@contextmanager
def seed_rules() -> Iterator[None]:
    from core.domain import allocation, markdown_options, replenishment, season_week
    from core.domain.money import Money
    from core.domain.simulation import simulator

    def replenish(*args: Any, service_level: float | None = None, **kwargs: Any) -> Any:
        return replenishment.replenishment_quantities(*args, **kwargs)

    def markdown(*args: Any, money: Any, **kwargs: Any) -> Any:
        return markdown_options.decide_markdown(*args, money=Money(unit_price=0.0), **kwargs)

    with patched(simulator, allocate=partial(allocation.allocate, basis="last_year")), \
            patched(season_week, replenishment_quantities=replenish, decide_markdown=markdown):
        yield
