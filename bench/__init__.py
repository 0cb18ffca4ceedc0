"""Benchmarks: measured figures, printed as tables and saved under bench/results/ (never pass/fail)."""
