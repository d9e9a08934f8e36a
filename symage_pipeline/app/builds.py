"""Scheduled dataset builds: named requests in a YAML file, each built on its cron into a versioned
folder of the artifact store (`builds/<name>/<version>/`), outside any account.

An entry is a `POST /generate` body (the same `GenerateRequest` rules, with ML formats allowed)
plus `name`, `cron` and an optional `description` and `enabled`. A build makes its dataset with
the pipeline's chunk functions in one process, then moves the archives, manifest and flat
downloads into the version's folder and drops the per-file work area, so a version folder holds
only what a consumer fetches. The Dagster side (an asset per entry, a schedule per entry) is
`defs/builds.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from symage_pipeline import pipeline
from symage_pipeline.bundle import build_dataset
from symage_pipeline.catalog import Catalog
from symage_pipeline.errors import SymageError
from symage_pipeline.keys import job_prefix
from symage_pipeline.spec import ML_FLAG, GenerationSpec
from symage_pipeline.storage import ArtifactStore

DEFAULT_BUILDS_FILE = Path(__file__).resolve().parent.parent / "builds.yaml"
NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")  # an asset key part and a schedule name
# five fields (minute hour day month weekday); Dagster checks the values when it makes the schedule
CRON = re.compile(r"^\s*[0-9A-Za-z*/,\-]+(\s+[0-9A-Za-z*/,\-]+){4}\s*$")
WORK_AREAS = ("files", "items")  # per-file copies the bundle read from: not part of a version


@dataclass(frozen=True)
class DatasetBuild:
    name: str
    cron: str
    spec: GenerationSpec
    description: str = ""
    enabled: bool = True


@dataclass(frozen=True)
class BuiltVersion:
    name: str
    version: str
    prefix: str  # builds/<name>/<version>
    dataset_key: str
    documents: int
    files: int
    size_bytes: int  # everything in the version folder
    layout: str


class BuildSpecError(SymageError):
    """A builds file that cannot be used: which entry, and why."""

    def __init__(self, message: str):
        super().__init__(400, "invalid_build_spec", message)


def load_builds(path: Path, catalog: Catalog) -> list[DatasetBuild]:
    """Every entry of the builds file, checked as the API checks a request (unknown forms or
    formats, bad quantities), plus a valid cron and a unique, key-safe name."""
    from symage_pipeline.app.intake import GenerateRequest

    raw = yaml.safe_load(path.read_text()) or {}
    builds: list[DatasetBuild] = []
    for index, entry in enumerate(raw.get("datasets") or []):
        where = f"{path.name}: datasets[{index}]"
        if not isinstance(entry, dict):
            raise BuildSpecError(f"{where} must be a mapping")
        body: dict[str, Any] = dict(entry)
        name, cron = str(body.pop("name", "")), str(body.pop("cron", ""))
        description, enabled = str(body.pop("description", "")), bool(body.pop("enabled", True))
        if not NAME.match(name):
            raise BuildSpecError(f"{where}: name {name!r} must be lowercase letters, digits and _")
        if any(b.name == name for b in builds):
            raise BuildSpecError(f"{where}: name {name!r} is used twice")
        if not CRON.match(cron):
            raise BuildSpecError(f"{where} ({name}): cron {cron!r} is not a cron expression")
        try:
            spec = GenerateRequest.model_validate(body).to_spec(catalog, feature_flags={ML_FLAG})
        except SymageError as exc:
            raise BuildSpecError(f"{where} ({name}): {exc.message}") from exc
        except ValueError as exc:  # pydantic's, for fields the request model types
            raise BuildSpecError(f"{where} ({name}): {exc}") from exc
        builds.append(DatasetBuild(name, cron, spec, description, enabled))
    return builds


def version_of(moment: datetime) -> str:
    """A version folder name that sorts by time: 20261203T030000Z."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def build_version(
    build: DatasetBuild,
    version: str,
    catalog: Catalog,
    store: ArtifactStore,
    *,
    chunk_size: int = 250,
    on_progress: Callable[[int], None] | None = None,
) -> BuiltVersion:
    """Make one version of the dataset; a version built again is replaced, never mixed."""
    work = f"build-{build.name}-{version}"
    target = f"builds/{build.name}/{version}"
    store.delete_prefix(job_prefix(work))
    store.delete_prefix(target)
    results = []
    for chunk in pipeline.plan_chunks(work, build.spec, max(1, chunk_size // len(build.spec.form_ids))):
        results.append(pipeline.make_chunk(catalog, store, chunk, on_progress=on_progress))
    info = build_dataset(build.spec, catalog, store, work, generated_at=datetime.now(UTC), created_via="schedule")
    source = job_prefix(work)
    size = 0
    for key in store.list(source):
        relative = key[len(source) + 1 :]
        if relative.split("/", 1)[0] in WORK_AREAS:
            continue
        with store.open_read(key) as src, store.open_write(f"{target}/{relative}") as dst:
            while block := src.read(1 << 20):
                dst.write(block)
                size += len(block)
    store.delete_prefix(source)
    return BuiltVersion(
        name=build.name,
        version=version,
        prefix=target,
        dataset_key=f"{target}/{info.key[len(source) + 1 :]}",
        documents=info.documents,
        files=info.files,
        size_bytes=size,
        layout=info.layout,
    )
