"""newsmon's command line and local helpers (the demo server). The library is ``pipeline``."""

__version__ = "0.1.0"
