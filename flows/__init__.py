"""Prefect flows: wiring only. The logic lives in ``pipeline``."""
