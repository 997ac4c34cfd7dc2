"""Small named exceptions the library raises; the CLI turns them into one-line messages."""

from __future__ import annotations


class NewsmonError(Exception):
    """Base class for errors the CLI reports without a traceback."""


class ConfigError(NewsmonError):
    """The configuration has one or more problems; ``problems`` lists each on one line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class StoreError(NewsmonError):
    """The database cannot be opened, migrated or written."""


class DatabaseBusy(StoreError):
    """Another process holds the database file."""
