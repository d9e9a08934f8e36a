"""The code location loads, and the job has the documented shape."""

from symage_pipeline.definitions import defs
from symage_pipeline.defs.partitions import generation_jobs_partitions


def test_code_location_loads_with_its_job_and_resources() -> None:
    job = defs.get_job_def("generate_documents")
    assert job.partitions_def == generation_jobs_partitions
    assert {n.name for n in job.graph.node_defs} == {
        "plan",
        "make_chunk",  # identities → coherence → render → annotate, streamed (pipeline.make_chunk)
        "bundle",  # and the job's terminal state, in the same step
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


def test_the_launchpads_default_config_makes_a_job_for_the_chosen_partition(settings) -> None:
    """Launching from the UI with nothing typed in: the partition the operator picked or added
    becomes a job of the `dagster-ui` account (no credits), tracked and bundled like any other."""
    import dagster as dg

    from symage_pipeline.app.db import Database
    from symage_pipeline.app.records import JobTracker
    from symage_pipeline.defs.instance import prepare_instance
    from symage_pipeline.defs.resources import job_resources
    from symage_pipeline.keys import dataset_key

    job = defs.resolve_job_def("generate_documents")
    # an empty launchpad is a valid config: ten typed W-2s for the partition, in one process
    resolved = dg.validate_run_config(job, {})
    assert "in_process" in resolved["execution"]["symage_executor"]
    assert resolved["ops"]["plan"]["config"]["spec"]["quantity"] == 10
    Database(settings.resolved_database_url)  # migrated, as symage up does
    with dg.DagsterInstance.from_config(str(prepare_instance(settings))) as instance:
        instance.add_dynamic_partitions("generation_jobs", ["ui-made-1"])
        result = job.execute_in_process(instance=instance, partition_key="ui-made-1",
                                        resources=job_resources(settings))  # fmt: skip
        assert result.success
    made = JobTracker(Database(settings.resolved_database_url, run_migrations=False)).get("ui-made-1")
    assert (made.user_id, made.status, made.documents_total, made.credits_charged) == ("dagster-ui", "completed", 10, 0)
    assert settings.open_store().exists(dataset_key("ui-made-1"))
