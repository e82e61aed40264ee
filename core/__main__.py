"""`python -m core`: the command line (SPEC section 8)."""

from core.cli.main import main

raise SystemExit(main())
