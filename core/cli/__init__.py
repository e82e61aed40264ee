"""`python -m core`: argument parsing and printing over PlannerService."""
