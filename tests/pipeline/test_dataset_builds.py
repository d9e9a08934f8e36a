"""Scheduled dataset builds: entries of a builds file become a `datasets/<name>` asset, a
`build_<name>` job and a schedule on the entry's cron; a build lands in a versioned folder of the
store and is recorded as an asset materialization (documents, bytes, path, version), from a
schedule tick or from `symage build NAME`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from symage_pipeline.app.builds import DEFAULT_BUILDS_FILE, BuildSpecError, load_builds
from symage_pipeline.catalog import load_catalog
from symage_pipeline.defs.builds import dataset_builds
from symage_pipeline.defs.resources import job_resources
from symage_pipeline.settings import Settings, get_settings

BUILDS = """
datasets:
  - name: w2_small
    description: ten typed W-2s
    cron: "30 2 * * *"
    form_id: irs_w2_2025
    quantity: 10
    output_formats: [pdf_typed, bio]
    seed: 11
  - name: paused
    cron: "0 0 1 * *"
    form_id: irs_w9_2024
    quantity: 2
    seed: 1
    enabled: false
"""


@pytest.fixture
def builds_env(tmp_path, monkeypatch) -> Iterator[Path]:
    path = tmp_path / "builds.yaml"
    path.write_text(BUILDS)
    monkeypatch.setenv("SYMAGE_BUILDS_FILE", str(path))
    monkeypatch.setenv("SYMAGE_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def test_the_repos_builds_file_is_valid() -> None:
    builds = load_builds(DEFAULT_BUILDS_FILE, load_catalog())
    assert builds and all(b.spec.seed is not None for b in builds)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("name: W2 Nightly\n    cron: '0 3 * * *'\n    form_id: irs_w2_2025", "must be lowercase"),
        ("name: a\n    cron: 'every night'\n    form_id: irs_w2_2025", "is not a cron expression"),
        ("name: a\n    cron: '0 3 * * *'\n    form_id: irs_w3_2025", "irs_w3_2025"),
        ("name: a\n    cron: '0 3 * * *'\n    form_id: irs_w2_2025\n    output_formats: [pdf_typd]", "pdf_typd"),
        ("name: a\n    cron: '0 3 * * *'\n    form_id: irs_w2_2025\n    quantity: 0", "quantity"),
    ],
)
def test_a_bad_entry_is_refused_naming_it(tmp_path, entry: str, message: str) -> None:
    path = tmp_path / "builds.yaml"
    path.write_text(f"datasets:\n  - {entry}\n")
    with pytest.raises(BuildSpecError) as err:
        load_builds(path, load_catalog())
    assert "datasets[0]" in err.value.message and message in err.value.message


def test_a_name_used_twice_is_refused(tmp_path) -> None:
    path = tmp_path / "builds.yaml"
    one = "  - name: twin\n    cron: '0 3 * * *'\n    form_id: irs_w2_2025\n"
    path.write_text("datasets:\n" + one + one)
    with pytest.raises(BuildSpecError, match="used twice"):
        load_builds(path, load_catalog())


def test_each_entry_is_an_asset_a_job_and_a_schedule(builds_env) -> None:
    builds, assets, jobs, schedules = dataset_builds()
    assert [a.key for a in assets] == [dg.AssetKey(["datasets", "w2_small"]), dg.AssetKey(["datasets", "paused"])]
    assert [(s.name, s.cron_schedule, s.default_status) for s in schedules] == [
        ("build_w2_small", "30 2 * * *", dg.DefaultScheduleStatus.RUNNING),
        ("build_paused", "0 0 1 * *", dg.DefaultScheduleStatus.STOPPED),
    ]
    # a tick asks for one run of the build's job
    with dg.instance_for_test() as instance:
        context = dg.build_schedule_context(instance=instance)
        (request,) = list(schedules[0].evaluate_tick(context).run_requests or [])
    assert schedules[0].job_name == "build_w2_small" and request.run_key is None


def test_a_scheduled_build_lands_in_a_versioned_folder_and_in_the_asset_catalog(builds_env) -> None:
    _, assets, jobs, _ = dataset_builds()
    settings = Settings()
    defs = dg.Definitions(assets=assets, jobs=jobs, resources=job_resources(settings))
    job = defs.resolve_job_def("build_w2_small")
    with dg.instance_for_test() as instance:
        versions = []
        for tick in ("2026-12-01T02:30:00+00:00", "2026-12-02T02:30:00+00:00"):
            result = job.execute_in_process(instance=instance, tags={"dagster/scheduled_execution_time": tick})
            assert result.success
            (event,) = result.get_asset_materialization_events()
            versions.append({k: v.value for k, v in event.materialization.metadata.items()})
        latest = instance.get_latest_materialization_event(dg.AssetKey(["datasets", "w2_small"]))
        assert latest is not None and latest.asset_materialization.metadata["version"].value == "20261202T023000Z"
        history = instance.fetch_materializations(dg.AssetKey(["datasets", "w2_small"]), limit=10).records
        assert len(history) == 2  # every version built, in the catalog

    first = versions[0]
    assert first["version"] == "20261201T023000Z" and first["documents"] == 10
    folder = settings.data_dir / "artifacts" / "builds" / "w2_small"
    assert sorted(p.name for p in folder.iterdir()) == ["20261201T023000Z", "20261202T023000Z"]
    assert first["path"] == f"file://{folder.resolve()}/20261201T023000Z"
    version = folder / "20261201T023000Z"
    assert sum(p.stat().st_size for p in version.rglob("*") if p.is_file()) == first["bytes"]
    assert not (version / "files").exists() and not (version / "items").exists()  # only what consumers fetch
    assert not (settings.data_dir / "artifacts" / "jobs").exists() or not any(
        (settings.data_dir / "artifacts" / "jobs").iterdir()
    )  # the work area is gone
    archive = zipfile.ZipFile(version / "dataset.zip")
    assert sum(n.endswith(".pdf") for n in archive.namelist()) == 10
    assert any(n.endswith("_bio.json") for n in archive.namelist())
    manifest = json.loads((version / "manifest.json").read_text())
    assert manifest["dataset"]["size_bytes"] == (version / "dataset.zip").stat().st_size
    # a seeded entry makes the same documents in every version
    second = zipfile.ZipFile(folder / "20261202T023000Z" / "dataset.zip")
    pdfs = sorted(n for n in archive.namelist() if n.endswith(".pdf"))
    assert [archive.read(n) for n in pdfs] == [second.read(n) for n in pdfs]


def test_symage_build_builds_one_now_in_the_instance(builds_env, tmp_path) -> None:
    env = {**os.environ}
    symage = str(Path(sys.executable).parent / "symage")
    out = subprocess.run([symage, "build", "w2_small"], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("w2_small ") and "10 documents" in out.stdout
    with dg.DagsterInstance.from_config(str(tmp_path / "data" / "dagster")) as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey(["datasets", "w2_small"]))
        assert event is not None
        (run,) = instance.get_runs()
        assert run.job_name == "build_w2_small" and run.tags["symage/trigger"] == "symage build"
    listed = subprocess.run([symage, "build", "--list"], env=env, capture_output=True, text=True, timeout=60)
    assert "w2_small" in listed.stdout and "(schedule stopped)" in listed.stdout
    unknown = subprocess.run([symage, "build", "w2_smal"], env=env, capture_output=True, text=True, timeout=60)
    assert unknown.returncode != 0 and "Did you mean 'w2_small'" in unknown.stderr
