"""Training data through the API: ML formats behind the flag, items with signed URLs, dataset layouts."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlparse

import boto3
import httpx
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from symage_pipeline.app.signing import sign
from symage_pipeline.defs.launch import InProcessRunSubmitter
from symage_pipeline.settings import Settings
from tests.conftest import ADMIN_TOKEN, INTERNAL_TOKEN, Api
from tests.helpers import moto_s3_server

ML_FLAG = "ml-output-formats-enabled"


def _create(api, key: str, **body) -> str:
    response = api.client.post("/api/v1/generate", json=body, headers=api.auth(key))
    assert response.status_code == 200, response.text
    return response.json()["data"]["job_id"]


def _done(api, key: str, **body) -> dict:
    job = api.wait(key, _create(api, key, **body))
    assert job["status"] == "completed", job["error"]
    return job


@pytest.fixture
def ml_key(api) -> str:
    api.account("trainer", feature_flags=[ML_FLAG])
    return api.key("trainer")


def test_ml_formats_need_the_account_flag_and_a_render(api) -> None:
    key = api.key("plain")
    body = {"form_id": "irs_w2_2025", "output_formats": ["pdf_typed", "bio", "yolo"]}
    response = api.client.post("/api/v1/generate", json=body, headers=api.auth(key))
    assert response.status_code == 400
    assert response.json()["detail"]["code"] == "ml_formats_disabled"
    assert response.json()["detail"]["details"]["forbidden_formats"] == ["bio", "yolo"]
    api.account("plain", feature_flags=[ML_FLAG])
    response = api.client.post(
        "/api/v1/generate", json={"form_id": "irs_w2_2025", "output_formats": ["coco"]}, headers=api.auth(key)
    )
    assert response.status_code == 400 and response.json()["detail"]["code"] == "missing_render_dependency"
    bad_scheme = {**body, "config": {"label_scheme": "colour"}}
    response = api.client.post("/api/v1/generate", json=bad_scheme, headers=api.auth(key))
    assert response.status_code == 400 and response.json()["detail"]["code"] == "invalid_label_scheme"


def test_items_list_with_signed_urls_that_work_without_a_key(api, ml_key) -> None:
    job = _done(
        api,
        ml_key,
        form_ids=["irs_w2_2025", "irs_f1040_2024"],
        quantity=3,
        output_formats=["pdf_typed", "bio", "donut"],
        config={"label_scheme": "nist3"},
        seed=4,
    )
    job_id = job["job_id"]
    first = api.client.get(f"/api/v1/jobs/{job_id}/items?limit=4", headers=api.auth(ml_key)).json()
    assert [i["document_id"] for i in first["data"]] == [
        "irs_w2_2025_000000",
        "irs_f1040_2024_000000",
        "irs_w2_2025_000001",
        "irs_f1040_2024_000001",
    ]
    assert first["meta"]["has_more"] is True and first["meta"]["next_cursor"]
    rest = api.client.get(
        f"/api/v1/jobs/{job_id}/items",
        params={"limit": 4, "cursor": first["meta"]["next_cursor"]},
        headers=api.auth(ml_key),
    ).json()
    assert [i["item_index"] for i in rest["data"]] == [2, 2] and rest["meta"]["has_more"] is False
    everything = api.client.get(f"/api/v1/jobs/{job_id}/items?limit=500", headers=api.auth(ml_key)).json()
    assert len(everything["data"]) == 6 and everything["meta"]["has_more"] is False

    item = first["data"][1]
    names = [f["filename"] for f in item["files"]]
    assert names[0] == "irs_f1040_2024_000000.pdf" and item["status"] == "completed"
    assert names[1:4] == [
        "irs_f1040_2024_000000.json",
        "irs_f1040_2024_000000_words.json",
        "irs_f1040_2024_000000_funsd_p0.json",
    ]
    assert "irs_f1040_2024_000000_funsd_p1.json" in names and "irs_f1040_2024_000000_bio.json" in names
    assert "irs_f1040_2024_000000_donut.jsonl" in names
    by_name = {f["filename"]: f for f in item["files"]}
    bio_url = by_name["irs_f1040_2024_000000_bio.json"]["url"]
    assert bio_url.startswith("http://testserver/api/v1/files/")
    fetched = api.client.get(bio_url)  # no Authorization header
    assert fetched.status_code == 200
    assert {t["tag"] for t in fetched.json()["tokens"]} <= {
        "O",
        "B-name",
        "I-name",
        "B-ssn",
        "I-ssn",
        "B-data",
        "I-data",
    }
    pdf = api.client.get(by_name["irs_f1040_2024_000000.pdf"]["url"])
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    # tampered path, signature or expiry, or an expired URL: refused
    parsed = urlparse(bio_url)
    query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
    other = by_name["irs_f1040_2024_000000_words.json"]["url"].split("?")[0]
    assert api.client.get(f"{other}?{parsed.query}").status_code == 403
    assert api.client.get(f"{parsed.path}?{urlencode({**query, 'signature': '0' * 64})}").status_code == 403
    later = {**query, "expires": str(int(query["expires"]) + 3600)}
    assert api.client.get(f"{parsed.path}?{urlencode(later)}").status_code == 403
    assert api.client.get(parsed.path).status_code == 403
    settings = api.client.app.state.services.settings
    key = parsed.path.removeprefix("/api/v1/files/")
    expired = sign(settings, key, expires_in=60, now=time.time() - 3600)
    response = api.client.get(expired)
    assert response.status_code == 403 and response.json()["detail"]["code"] == "url_expired"

    one = api.client.get(f"/api/v1/jobs/{job_id}/items/{item['item_id']}/download", headers=api.auth(ml_key))
    assert [f["filename"] for f in one.json()["data"]["files"]] == names
    assert all(i["item_id"] == f"{job_id}.{i['document_id']}" for i in first["data"])
    missing = api.client.get(
        f"/api/v1/jobs/{job_id}/items/{job_id}.irs_w2_2025_000099/download", headers=api.auth(ml_key)
    )
    assert missing.status_code == 404
    # An item id names one item of one job: another job's id does not resolve under this one
    # (the bare document stem, under its own job's path, is an accepted alias).
    other = f"{'0' * 8}-0000-0000-0000-{'0' * 12}.irs_w2_2025_000000"
    response = api.client.get(f"/api/v1/jobs/{job_id}/items/{other}/download", headers=api.auth(ml_key))
    assert response.status_code == 404 and response.json()["detail"]["code"] == "item_not_found"
    alias = api.client.get(f"/api/v1/jobs/{job_id}/items/irs_w2_2025_000000/download", headers=api.auth(ml_key))
    assert alias.json()["data"]["item_id"] == f"{job_id}.irs_w2_2025_000000"
    assert api.client.get(f"/api/v1/jobs/{job_id}/items", headers=api.auth(api.key("intruder"))).status_code == 404

    downloads = api.client.get(f"/api/v1/jobs/{job_id}/downloads", headers=api.auth(ml_key)).json()["data"]
    assert downloads["job_id"] == job_id and downloads["expires_in"] == 3600
    archive = next(f for f in downloads["files"] if f["filename"] == f"symage_{job_id}.zip")
    dataset = api.client.get(f"/api/v1/jobs/{job_id}/download/dataset", headers=api.auth(ml_key)).content
    assert api.client.get(archive["url"]).content == dataset
    assert {f["item_index"] for f in downloads["files"]} == {None, 0, 1, 2}
    readme = api.client.get(f"/api/v1/jobs/{job_id}/dataset/readme", headers=api.auth(ml_key))
    assert readme.headers["content-type"].startswith("text/markdown")
    assert readme.content == zipfile.ZipFile(io.BytesIO(dataset)).read("README.md")
    manifest = api.client.get(f"/api/v1/jobs/{job_id}/dataset/manifest", headers=api.auth(ml_key)).json()
    assert manifest["layout"] == "single" and manifest["dataset"]["size_bytes"] == len(dataset)
    assert manifest["created_via"] == "api_key" and manifest["labels"]["names"] == ["name", "ssn", "data"]
    preview = api.client.get(f"/api/v1/jobs/{job_id}/dataset/preview", headers=api.auth(ml_key))
    assert preview.status_code == 409


def _shard_size(api, size: int) -> None:
    """The server's shard size travels with each run it submits (as SYMAGE_SHARD_SIZE would set it)."""
    api.submitter.settings.shard_size = size


def _unpack(blobs: list[bytes]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for blob in blobs:
        with zipfile.ZipFile(io.BytesIO(blob)) as archive:
            for name in archive.namelist():
                if name not in ("manifest.json", "README.md"):
                    assert name not in files or files[name] == archive.read(name), name
                    files[name] = archive.read(name)
    return files


def test_sharded_dataset_has_the_same_documents_as_a_single_zip(api, ml_key) -> None:
    _shard_size(api, 4)
    body = {"form_id": "irs_w2_2025", "quantity": 10, "output_formats": ["pdf_typed", "coco"], "seed": 8}
    job = _done(api, ml_key, **body)
    job_id, auth = job["job_id"], api.auth(ml_key)
    assert job["bundle_layout"] == "sharded"
    refused = api.client.get(f"/api/v1/jobs/{job_id}/download/dataset", headers=auth)
    assert refused.status_code == 409 and "sharded" in refused.json()["detail"]["message"]
    manifest = json.loads(api.client.get(f"/api/v1/jobs/{job_id}/dataset/manifest", headers=auth).content)
    assert manifest["layout"] == "sharded" and "dataset" not in manifest
    assert [(s["index"], s["doc_count"], s["item_range"]) for s in manifest["shards"]] == [
        (0, 4, [0, 4]),
        (1, 4, [4, 8]),
        (2, 2, [8, 10]),
    ]
    blobs = []
    for shard in manifest["shards"]:
        blob = api.client.get(f"/api/v1/jobs/{job_id}/dataset/shards/{shard['index']}", headers=auth).content
        assert len(blob) == shard["size_bytes"] and "hf" in shard["annotation_coverage"]
        inner = json.loads(zipfile.ZipFile(io.BytesIO(blob)).read("manifest.json"))
        assert inner["archive"] == {"kind": "shard", "index": shard["index"], "item_range": shard["item_range"]}
        assert inner["generator"] == manifest["generator"]
        blobs.append(blob)
    annotations = api.client.get(f"/api/v1/jobs/{job_id}/dataset/annotations", headers=auth).content
    assert len(annotations) == manifest["annotations"]["size_bytes"]
    preview = api.client.get(f"/api/v1/jobs/{job_id}/dataset/preview", headers=auth).content
    assert len(preview) == manifest["preview"]["size_bytes"] and manifest["preview"]["doc_count"] == 10
    previewed = zipfile.ZipFile(io.BytesIO(preview)).namelist()
    assert sum(n.startswith("pdfs/typed/") for n in previewed) == 10 and "README.md" in previewed
    assert api.client.get(f"/api/v1/jobs/{job_id}/dataset/shards/3", headers=auth).status_code == 404
    assert manifest["total_bytes"] == sum(len(b) for b in [*blobs, annotations, preview])
    sharded = _unpack([*blobs, annotations])

    _shard_size(api, 5_000)
    single = _done(api, ml_key, **body)
    assert single["bundle_layout"] == "single"
    whole = _unpack([api.client.get(f"/api/v1/jobs/{single['job_id']}/download/dataset", headers=auth).content])
    per_document = {n for n in whole if not n.startswith("annotations/hf/")}
    assert {n for n in sharded if not n.startswith("annotations/hf/")} == per_document
    assert all(sharded[n] == whole[n] for n in per_document)
    pieces = sorted(n for n in sharded if n.startswith("annotations/hf/"))
    assert pieces == [
        "annotations/hf/typed/test-00000-of-00001.parquet",
        "annotations/hf/typed/train-00000-of-00002.parquet",
        "annotations/hf/typed/train-00001-of-00002.parquet",
        "annotations/hf/typed/validation-00000-of-00001.parquet",
    ]
    items = api.client.get(f"/api/v1/jobs/{job_id}/items?limit=100", headers=auth).json()["data"]
    assert len(items) == 10
    # An item's files are served out of the shard that holds it: the same bytes as in the shard.
    for item in (items[0], items[9]):
        for file in item["files"]:
            shard = item["item_index"] // 4
            assert f"/shards/shard_{shard:05d}.zip/{file['path']}?" in file["url"]
            served = api.client.get(file["url"])
            assert served.status_code == 200 and served.content == sharded[file["path"]]
    settings = api.client.app.state.services.settings
    absent = sign(settings, f"jobs/{job_id}/shards/shard_00000.zip/pdfs/typed/irs_w2_2025_000009.pdf")
    assert api.client.get(absent).json()["detail"]["code"] == "file_not_found"  # item 9 is in shard 2


@pytest.fixture
def s3_api(tmp_path, monkeypatch) -> Iterator[tuple[Api, str]]:
    """The app on S3 storage (a local moto server): file URLs are the store's presigned URLs."""
    with moto_s3_server() as endpoint:
        for name, value in (("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test")):
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="datasets")
        settings = Settings(
            data_dir=tmp_path / "data",
            admin_token=ADMIN_TOKEN,
            internal_token=INTERNAL_TOKEN,
            public_url="http://testserver",
            storage_url="s3://datasets/artifacts",
            s3_endpoint_url=endpoint,
        )
        submitter = InProcessRunSubmitter(settings)
        with TestClient(create_app(settings, submitter)) as client:
            yield Api(client, submitter), endpoint


def test_s3_storage_presigns_archives_and_the_api_reads_item_files_out_of_them(s3_api) -> None:
    """Archives are S3 objects, handed out presigned. An item's files are members of its archive
    (no object of their own): their URLs are this API's, signed, and it reads the member out of the
    archive with ranged GETs."""
    api, endpoint = s3_api
    api.account("s3user", feature_flags=[ML_FLAG])
    key = api.key("s3user")
    job = _done(api, key, form_id="irs_w2_2025", quantity=2, output_formats=["pdf_typed", "bio"], seed=3)
    items = api.client.get(f"/api/v1/jobs/{job['job_id']}/items", headers=api.auth(key)).json()["data"]
    bio = next(f for f in items[0]["files"] if f["filename"].endswith("_bio.json"))
    assert "/api/v1/files/jobs/" in bio["url"] and "/dataset.zip/annotations/bio/" in bio["url"]
    fetched = api.client.get(bio["url"])  # no API key: the signature is the credential
    assert fetched.status_code == 200 and fetched.json()["form_id"] == "irs_w2_2025"
    pdf = next(f for f in items[0]["files"] if f["filename"].endswith(".pdf"))
    assert api.client.get(pdf["url"]).content.startswith(b"%PDF-")
    redirect = api.client.get(
        f"/api/v1/jobs/{job['job_id']}/download/dataset", headers=api.auth(key), follow_redirects=False
    )
    assert redirect.status_code == 307 and redirect.headers["location"].startswith(endpoint)
    manifest = api.client.get(f"/api/v1/jobs/{job['job_id']}/dataset/manifest", headers=api.auth(key)).json()
    assert len(httpx.get(redirect.headers["location"]).content) == manifest["dataset"]["size_bytes"]
