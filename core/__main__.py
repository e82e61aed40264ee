"""`python -m core`: the command line (docs/planning-rules.md §8)."""

from core.cli.main import main

raise SystemExit(main())
