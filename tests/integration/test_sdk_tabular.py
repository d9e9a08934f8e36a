"""The manual's tabular walk-through with the official client, unchanged, over real HTTP against
`symage up`: parse a sentence, generate from the schema, wait, download CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from symagedocs import Client
from symagedocs._errors import ConflictError, NotFoundError, ValidationError

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def client(live_stack) -> Client:
    return Client(api_key=live_stack["api_key"], base_url=live_stack["base_url"])


def test_parse_generate_wait_download(client: Client, tmp_path: Path) -> None:
    schema = client.tabular.parse("customer name, email, age between 18 and 65, annual salary, signup date")
    assert schema.parser_type == "heuristic"
    assert [c.type for c in schema.columns] == ["text_full_name", "email", "number_integer", "number_integer", "date"]

    job = client.tabular.generate(columns=schema.columns, quantity=2500, output_formats=["csv", "json"], seed=11)
    assert job.credits_required > 0
    status = client.tabular.wait(job.job_id, poll_interval=0.2)
    assert (status.status, status.rows_generated, status.total_rows, status.percent) == ("completed", 2500, 2500, 100)

    table = client.tabular.download(job.job_id, "csv", str(tmp_path / "t.csv"))
    rows = list(csv.DictReader(io.StringIO(table.read_text())))
    records = json.loads(client.tabular.download(job.job_id, "json", str(tmp_path / "t.json")).read_text())
    assert len(rows) == len(records) == 2500
    names = [c.name for c in schema.columns]
    assert list(rows[0]) == list(records[0]) == names
    for row, record in zip(rows, records, strict=True):
        assert row == {k: "" if v is None else str(v) for k, v in record.items()}
    age = names[2]
    assert all(18 <= r[age] <= 65 for r in records)


def test_the_same_seed_downloads_the_same_bytes(client: Client, tmp_path: Path) -> None:
    columns = [
        {"name": "first", "type": "text_first_name"},
        {"name": "ssn", "type": "ssn"},
        {"name": "plan", "type": "custom_enum", "constraints": {"values": ["basic", "pro"], "weights": [3, 1]}},
    ]
    paths = []
    for attempt in range(2):
        job = client.tabular.generate(columns=columns, quantity=300, seed=5)
        client.tabular.wait(job.job_id, poll_interval=0.2)
        paths.append(client.tabular.download(job.job_id, "csv", str(tmp_path / f"{attempt}.csv")))
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_the_client_sees_the_error_codes(client: Client, tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as err:
        client.tabular.generate(columns=[{"name": "x", "type": "number_integer", "constraints": {"min": 5, "max": 1}}])
    assert err.value.code == "invalid_constraints"
    with pytest.raises(NotFoundError):
        client.tabular.status("tab_doesnotexist")
    job = client.tabular.generate(columns=[{"name": "n", "type": "number_integer"}], quantity=10)
    client.tabular.wait(job.job_id, poll_interval=0.2)
    with pytest.raises(ConflictError):  # asked for csv only
        client.tabular.download(job.job_id, "json", str(tmp_path / "x.json"))
