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
