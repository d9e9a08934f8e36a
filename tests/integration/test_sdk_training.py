"""The official client's training-data helpers, unchanged, over real HTTP.

Single layout against ``symage up`` (the live stack); the sharded layout against an API server
started in this process with a tiny shard size, since the live stack's settings are fixed.
"""

from __future__ import annotations

import json
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from symagedocs import Client

from api.main import create_app
from symage_pipeline.defs.launch import InProcessRunSubmitter
from symage_pipeline.settings import Settings
from tests.conftest import ADMIN_TOKEN, INTERNAL_TOKEN
from tests.helpers import free_port

ML_FLAG = "ml-output-formats-enabled"


def _enable_ml(base_url: str, user_id: str) -> None:
    response = httpx.put(
        f"{base_url}/api/admin/accounts/{user_id}",
        json={"feature_flags": [ML_FLAG]},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    assert response.status_code == 200, response.text


@pytest.mark.integration
def test_training_helpers_against_symage_up(live_stack, tmp_path: Path) -> None:
    _enable_ml(live_stack["base_url"], "sdk-user")
    client = Client(api_key=live_stack["api_key"], base_url=live_stack["base_url"])
    job = client.generate.create(
        "irs_w2_2025",
        quantity=3,
        output_formats=["pdf_typed", "bio", "donut"],
        config={"label_scheme": "nist3"},
        seed=21,
    )
    client.generate.wait(job.job_id, poll_interval=0.5)

    examples = list(client.generate.iter_training_examples(job.job_id, format="bio"))
    # Item ids are opaque and name one item of one job: "<job id>.<document stem>".
    stems = [f"irs_w2_2025_00000{i}" for i in range(3)]
    assert [e.item_id for e in examples] == [f"{job.job_id}.{stem}" for stem in stems]
    for example, stem in zip(examples, stems, strict=True):
        assert example.image_url and example.image_url.split("?")[0].endswith(f"{stem}.pdf")
        tags = {t.label for t in example.bio.tokens}  # the JSON key is "tag"
        assert "B-ssn" in tags and tags <= {"O", "B-name", "I-name", "B-ssn", "I-ssn", "B-data", "I-data"}
        assert len(example.word_annotations.words) == len(example.bio.tokens)
    pages = list(client.generate.iter_training_examples(job.job_id, format="funsd"))
    assert [(p.item_id, p.page_index) for p in pages] == [(f"{job.job_id}.{stem}", 0) for stem in stems]
    assert {e["label"] for e in pages[0].funsd.form} >= {"question", "answer", "header"}
    rows = list(client.generate.iter_training_examples(job.job_id, format="donut"))
    assert len(rows) == 3
    parse = json.loads(rows[0].donut.ground_truth)["gt_parse"]
    assert isinstance(parse["data"], list) and parse["ssn"]

    bio = client.generate.get_bio_labels(job.job_id, "irs_w2_2025_000001")
    words = client.generate.get_word_annotations(job.job_id, "irs_w2_2025_000001")
    assert bio.form_id == words.form_id == "irs_w2_2025" and bio.page_count == 1
    ssn = next(w for w in words.words if w.field_type == "ssn")
    assert ssn.linked_field_ids == [ssn.field_id] and ssn.linked_field_id == ssn.field_id
    page = client.generate.list_items(job.job_id, limit=2)
    assert len(page.data) == 2 and page.has_more and page.next_cursor
    files = client.generate.download_item(job.job_id, page.data[0].item_id)
    assert [f.filename for f in files] == [f.filename for f in page.data[0].files]
    downloads = client.generate.list_downloads(job.job_id)
    assert downloads.expires_in == 3600 and any(f.filename.endswith(".zip") for f in downloads.files)

    out = client.generate.download_dataset(job.job_id, str(tmp_path / "ds"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["layout"] == "single" and (out / "dataset.zip").stat().st_size == manifest["dataset"]["size_bytes"]
    card = (out / "README.md").read_text()
    assert "load_dataset" in card and "`B-ssn`" in card
    readme = client.generate.download_readme(job.job_id, str(tmp_path))
    assert readme.name == f"README_{job.job_id}.md" and readme.read_text() == card


@pytest.fixture
def small_shard_server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """An API server on a free port whose jobs shard above 4 documents; yields (base url, api key)."""
    port = free_port()
    settings = Settings(
        data_dir=tmp_path / "data",
        admin_token=ADMIN_TOKEN,
        internal_token=INTERNAL_TOKEN,
        public_url=f"http://127.0.0.1:{port}",
        shard_size=4,
    )
    app = create_app(settings, InProcessRunSubmitter(settings))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
            time.sleep(0.05)
        key = httpx.post(
            f"{base}/api/internal/api-keys",
            json={"name": "sdk"},
            headers={"x-user-id": "shards", "X-Internal-Token": INTERNAL_TOKEN},
        ).json()["data"]["api_key"]
        _enable_ml(base, "shards")
        yield base, key
    finally:
        server.should_exit = True
        thread.join(30)


def test_download_dataset_fetches_a_sharded_dataset_and_resumes(small_shard_server, tmp_path: Path) -> None:
    base, key = small_shard_server
    client = Client(api_key=key, base_url=base)
    job = client.generate.create("irs_w2_2025", quantity=9, output_formats=["pdf_typed", "yolo"], seed=2)
    done = client.generate.wait(job.job_id, poll_interval=0.2)
    assert done.bundle_layout == "sharded"
    with pytest.raises(ValueError, match="download_dataset"):
        client.generate.download(job.job_id, "dataset", path=str(tmp_path))

    out = client.generate.download_dataset(job.job_id, str(tmp_path / "ds"), parallel=8, resume=True)
    manifest = json.loads((out / "manifest.json").read_text())
    shards = sorted((out / "shards").iterdir())
    assert [p.name for p in shards] == ["shard_00000.zip", "shard_00001.zip", "shard_00002.zip"]
    for shard, entry in zip(shards, manifest["shards"], strict=True):
        assert shard.stat().st_size == entry["size_bytes"]
    assert (out / "preview.zip").stat().st_size == manifest["preview"]["size_bytes"]
    assert (out / "annotations.zip").stat().st_size == manifest["annotations"]["size_bytes"]
    assert (out / "README.md").read_text().count("sharded") >= 1

    unpacked = tmp_path / "unpacked"
    for archive in [*shards, out / "annotations.zip"]:
        with zipfile.ZipFile(archive) as z:
            z.extractall(unpacked)
    assert len(list((unpacked / "pdfs" / "typed").iterdir())) == 9
    assert (unpacked / "annotations" / "yolo" / "typed" / "data.yaml").is_file()
    labels = sorted((unpacked / "annotations" / "yolo" / "typed" / "labels").rglob("*.txt"))
    images = sorted((unpacked / "annotations" / "yolo" / "typed" / "images").rglob("*.png"))
    assert [p.stem for p in labels] == [p.stem for p in images] and len(images) == 9

    before = {p: p.stat().st_mtime_ns for p in shards}
    client.generate.download_dataset(job.job_id, str(tmp_path / "ds"), parallel=8, resume=True)
    assert {p: p.stat().st_mtime_ns for p in shards} == before  # sizes matched: nothing re-fetched
