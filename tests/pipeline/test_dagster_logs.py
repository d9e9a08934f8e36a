"""With `SYMAGE_LOG_FORMAT=json`, Dagster's processes log one JSON object per line too, each
saying which job, run and step it belongs to, and Dagster's own console lines are silenced so
stderr stays parseable."""

from __future__ import annotations

import json

from symage_pipeline.app.db import Account, Database, Job
from symage_pipeline.app.records import JobTracker
from symage_pipeline.defs.instance import dagster_yaml
from symage_pipeline.defs.launch import InProcessRunSubmitter
from symage_pipeline.spec import GenerationSpec


def test_a_runs_log_lines_are_json_with_its_job_run_and_step(settings, capfd) -> None:
    json_settings = settings.model_copy(update={"log_format": "json"})
    assert "symage_pipeline.defs.logs.DagsterJsonFormatter" in dagster_yaml(json_settings)
    assert "python_logs" not in dagster_yaml(settings)  # text logs: the instance is left as it was
    db = Database(json_settings.resolved_database_url)
    spec = GenerationSpec(form_ids=("irs_w2_2025",), quantity=2, output_formats=("pdf_typed",), seed=1)
    with db.session() as session:
        session.add(Account(user_id="u", credit_limit=None, tier="free", feature_flags=[]))
        session.add(Job.for_spec(spec, job_id="logged", user_id="u", requested_seed=1))
    capfd.readouterr()
    submitter = InProcessRunSubmitter(json_settings)
    result = submitter.execute("logged", spec)
    submitter.close()
    assert result.success and JobTracker(db).get("logged").status == "completed"

    err = capfd.readouterr().err.splitlines()
    lines = [json.loads(line) for line in err if line.startswith("{")]
    assert lines and len(lines) == len([line for line in err if line.strip()])  # every line is JSON
    assert {line["job_id"] for line in lines} == {"logged"}
    assert {line["run_id"] for line in lines} == {result.run_id}
    steps = {line.get("step_key") for line in lines}
    assert {"plan", "make_chunk[chunk_00000]", "bundle"} <= steps
    assert any(line.get("event") == "STEP_SUCCESS" for line in lines)
