"""The code location loads, and the job has the documented shape."""

from symage_pipeline.definitions import defs
from symage_pipeline.defs.partitions import generation_jobs_partitions


def test_code_location_loads_with_its_job_and_resources() -> None:
    job = defs.get_job_def("generate_documents")
    assert job.partitions_def == generation_jobs_partitions
    assert {n.name for n in job.graph.node_defs} == {
        "plan",
        "identities",
        "coherence",
        "render",
        "annotate",
        "bundle",
        "notify",
    }
    assert set(defs.resources) >= {"app_db", "artifacts", "catalog"}


def test_automation_runs_by_default_webhooks_and_expiry() -> None:
    import dagster as dg

    sensor = defs.get_sensor_def("webhook_sender")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING and sensor.minimum_interval_seconds == 5
    schedule = defs.get_schedule_def("expire_outputs_every_10_minutes")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING and schedule.job_name == "expire_outputs"


def test_the_expiry_schedule_runs_only_when_a_job_is_due(tmp_path, monkeypatch) -> None:
    from datetime import UTC, datetime, timedelta

    import dagster as dg

    from symage_pipeline.app.db import Account, Database, Job
    from symage_pipeline.defs.automation import expire_outputs_schedule
    from symage_pipeline.settings import get_settings
    from symage_pipeline.spec import GenerationSpec

    monkeypatch.setenv("SYMAGE_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        db = Database(get_settings().resolved_database_url)
        context = dg.build_schedule_context()
        assert isinstance(expire_outputs_schedule(context), dg.SkipReason)
        spec = GenerationSpec(form_ids=("irs_w2_2025",), quantity=1, output_formats=("pdf_typed",), seed=1)
        with db.session() as session:
            session.add(Account(user_id="u", credit_limit=None, tier="free", feature_flags=[]))
            session.flush()
            job = Job.for_spec(spec, job_id="old", user_id="u", requested_seed=1)
            job.status, job.expires_at = "completed", datetime.now(UTC) - timedelta(minutes=1)
            session.add(job)
        assert isinstance(expire_outputs_schedule(context), dg.RunRequest)
        db.dispose()
    finally:
        get_settings.cache_clear()
