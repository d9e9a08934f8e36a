"""Symage: synthetic identities and documents; a Dagster code location with a FastAPI facade."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("symage")
except PackageNotFoundError:  # pragma: no cover - running from a checkout without an install
    __version__ = "0.0.0+unknown"
