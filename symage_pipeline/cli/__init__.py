"""`symage`: run the service, make datasets locally, list forms, check datasets, manage accounts."""

from symage_pipeline.cli.main import main

__all__ = ["main"]
