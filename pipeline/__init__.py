"""newsmon's library: plain, testable Python for every stage of the pipeline.

feed -> Entry -> FetchedPage -> Article -> (dedupe) -> stored article -> ThemeScore -> Alert

Nothing in this package imports prefect; ``flows/`` wires these functions into Prefect flows.
"""

__version__ = "0.1.0"
