"""`python -m core.bench`: the same as `python -m core bench`."""

from core.bench.runner import main

raise SystemExit(main())
