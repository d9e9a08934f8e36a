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
