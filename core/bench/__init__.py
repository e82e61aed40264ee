"""Benchmarks that print figures (SPEC section 9)."""
