"""Benchmarks that print figures (docs/planning-rules.md §9)."""
