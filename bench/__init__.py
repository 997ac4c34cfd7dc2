"""Benchmarks, run by ``make bench`` (``.venv/bin/python -m bench``).

Each module here that defines ``run(articles: int | None, quick: bool) -> list[str]`` is a bench:
it measures, prints as it goes, and returns its summary lines.
"""
