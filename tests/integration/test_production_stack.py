"""The production shape of the stack, end to end: the app DB and Dagster's run, event-log and
schedule storage on the PostgreSQL at 127.0.0.1:5432 (dagster-postgres), artifacts, step outputs
and compute logs on S3 (a local moto server, through dagster-aws), real presigned URLs. The
official client runs a queued job and a fast-lane job, fetches items and the dataset, and a local
receiver gets the signed webhook."""

from __future__ import annotations

import json
import time
import zipfile
from contextlib import closing

import boto3
import httpx
import pytest
from sqlalchemy import create_engine, text
from symagedocs import Client

from tests.conftest import ADMIN_TOKEN, INTERNAL_TOKEN, pg_database
from tests.helpers import Receiver, moto_s3_server
from tests.integration.stack import own_stack

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

BUCKET = "symage-prod"


def _plain(url: str) -> str:
    """psycopg2's URL form (dagster-postgres also hands the URL to psycopg2 itself)."""
    return url.replace("postgresql+psycopg2://", "postgresql://")


def test_a_job_on_postgres_and_s3_end_to_end(tmp_path) -> None:
    from symagedocs.webhooks import verify_signature

    with pg_database() as app_db, pg_database() as dagster_db, moto_s3_server() as endpoint:
        aws = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                          aws_secret_access_key="test")  # fmt: skip
        s3.create_bucket(Bucket=BUCKET)
        settings = {**aws,
                    "SYMAGE_DATABASE_URL": app_db, "SYMAGE_DAGSTER_POSTGRES_URL": _plain(dagster_db),
                    "SYMAGE_STORAGE_URL": f"s3://{BUCKET}/prod", "SYMAGE_S3_ENDPOINT_URL": endpoint,
                    "SYMAGE_ADMIN_TOKEN": ADMIN_TOKEN, "SYMAGE_INTERNAL_TOKEN": INTERNAL_TOKEN,
                    "SYMAGE_ALLOW_PRIVATE_WEBHOOKS": "true"}  # fmt: skip
        with closing(Receiver()) as receiver, own_stack(tmp_path, settings, user="prod-user") as stack:
            key = stack.key
            client = Client(api_key=key, base_url=stack.root)
            hook = client.webhooks.create(url=receiver.url, events=["job.completed"])

            queued = client.generate.create("irs_w2_2025", quantity=30, seed=4, output_formats=["pdf_typed"])
            fast = client.generate.create("irs_w2_2025", quantity=1, seed=4)
            for job in (queued, fast):
                done = client.generate.wait(job.job_id, poll_interval=0.5)
                assert done.status == "completed", done

            # the dataset comes straight from S3 by presigned URL; a per-item file is read out of it
            # by the API (a signed URL, no key), with ranged GETs
            items = httpx.get(f"{stack.base}/jobs/{queued.job_id}/items?limit=100",
                              headers={"Authorization": f"Bearer {key}"}).json()["data"]  # fmt: skip
            assert len(items) == 30
            url = items[0]["files"][0]["url"]
            assert url.startswith(f"{stack.root}/api/v1/files/jobs/{queued.job_id}/dataset.zip/pdfs/typed/")
            pdf = httpx.get(url)
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
            archive = zipfile.ZipFile(client.generate.download(queued.job_id, "dataset", path=str(tmp_path)))
            assert sum(n.endswith(".pdf") for n in archive.namelist()) == 30
            assert archive.read(items[0]["files"][0]["path"]) == pdf.content

            deadline = time.monotonic() + 60
            while len(receiver.requests) < 2:
                assert time.monotonic() < deadline, receiver.requests
                time.sleep(0.5)
            headers, body = receiver.requests[0]
            assert verify_signature(body, headers["x-symagedocs-signature"], hook["signing_secret"])
            assert {json.loads(b)["data"]["job_id"] for _, b in receiver.requests} == {queued.job_id, fast.job_id}

            # Dagster's runs and events are in PostgreSQL, the app's jobs in the other database
            dagster = create_engine(dagster_db)
            with dagster.connect() as conn:
                runs = dict(conn.execute(text("SELECT status, count(*) FROM runs GROUP BY status")).all())
                events = conn.execute(text("SELECT count(*) FROM event_logs")).scalar()
            dagster.dispose()
            assert runs.get("SUCCESS", 0) >= 2 and events > 50
            app = create_engine(app_db)
            with app.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM jobs WHERE status = 'completed'")).scalar() == 2
            app.dispose()
            assert not (tmp_path / "data" / "symage.db").exists()
            assert not (tmp_path / "data" / "dagster" / "history").exists()  # no SQLite run storage

            # the queued run's step outputs and compute logs went to S3 too
            keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
                    for o in page.get("Contents", [])]  # fmt: skip
            assert any(k.startswith("prod/dagster/step-outputs/") for k in keys), keys[:20]
            deadline = time.monotonic() + 30  # logs are uploaded when each step's capture ends
            while not any(k.startswith("prod/dagster/compute-logs/") for k in keys):
                assert time.monotonic() < deadline, sorted({k.split("/")[2] for k in keys if k.count("/") > 2})
                time.sleep(1)
                keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="prod/dagster/").get("Contents", [])]
