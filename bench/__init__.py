"""The benchmark: ``python -m bench`` (see bench/runner.py and the README's Performance section)."""
