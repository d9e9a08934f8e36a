"""Every training export loads in the tool that consumes it, and agrees with the rendered page.

The datasets here are made the way a job makes them (chunk: render + per-document annotations;
bundle: dataset-level exports and archive), without Dagster, and unpacked to a folder a user
would point their tools at.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pymupdf
import pytest
import yaml
from PIL import Image

from symage_pipeline import annotate, pipeline, render
from symage_pipeline.annotate.donut import gt_parse
from symage_pipeline.annotate.labels import bio_tag_names, label_names
from symage_pipeline.annotate.splits import split_ranges, splits
from symage_pipeline.bundle import build_dataset
from symage_pipeline.bundle.items import order_item_files
from symage_pipeline.catalog import load_catalog
from symage_pipeline.checker import RULES
from symage_pipeline.document import FilledDocument
from symage_pipeline.spec import GenerationSpec
from symage_pipeline.storage import LocalStore

FORMS = ("irs_w2_2025", "irs_f1040_2024")
ML = ("pdf_typed", "bio", "coco", "yolo", "donut")


def make_dataset(root: Path, spec: GenerationSpec, job_id: str = "job") -> Path:
    """Render, annotate and bundle ``spec`` into a local store; return the unpacked dataset."""
    catalog = load_catalog()
    store = LocalStore(root / "store")
    for chunk in pipeline.plan_chunks(job_id, spec, 4):
        pipeline.make_chunk(catalog, store, chunk)
    info = build_dataset(spec, catalog, store, job_id, generated_at=datetime(2026, 1, 1, tzinfo=UTC))
    out = root / "dataset"
    with zipfile.ZipFile(store.path(info.key)) as archive:
        archive.extractall(out)
    return out


@pytest.fixture(scope="module")
def ml_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """W-2 + 1040, every ML format, no page images requested (annotate rasterizes what it needs)."""
    spec = GenerationSpec(form_ids=FORMS, quantity=10, output_formats=ML, seed=17)
    return make_dataset(tmp_path_factory.mktemp("ml"), spec)


@pytest.fixture(scope="module")
def field_id_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """W-2 with the renderer's own page images, label scheme field_id (one class per field)."""
    spec = GenerationSpec(
        form_ids=("irs_w2_2025",),
        quantity=3,
        output_formats=("pdf_typed", "png_typed", "bio", "coco"),
        seed=5,
        config={"label_scheme": "field_id"},
    )
    return make_dataset(tmp_path_factory.mktemp("fid"), spec)


def _json(path: Path) -> dict:
    return json.loads(path.read_text())


def _iou(a: list[float], b: list[float]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


def _documents(root: Path) -> Iterator[str]:
    for path in sorted((root / "ground_truth" / "json").glob("*.json")):
        yield path.stem


# ------------------------------------------------------------------------------------ geometry


def test_word_and_bio_boxes_match_pymupdf_words_on_typed_pages(ml_dataset: Path) -> None:
    """Every labelled box is the rendered word: IoU >= 0.9 with PyMuPDF's own word box."""
    for stem in list(_documents(ml_dataset))[:6]:
        pdf = pymupdf.open(ml_dataset / "pdfs" / "typed" / f"{stem}.pdf")
        extracted = [[(w[4], [w[0], w[1], w[2], w[3]]) for w in page.get_text("words")] for page in pdf]
        words = _json(ml_dataset / "annotations" / "words" / "typed" / f"{stem}_words.json")
        bio = _json(ml_dataset / "annotations" / "bio" / "typed" / f"{stem}_bio.json")
        assert len(bio["tokens"]) == len(words["words"])
        for word, token in zip(words["words"], bio["tokens"], strict=True):
            box = [word["x"], word["y"], word["x"] + word["width"], word["y"] + word["height"]]
            assert token["text"] == word["text"] and token["page"] == word["page"]
            assert token["bbox"] == pytest.approx(box, abs=0.011)
            candidates = [b for text, b in extracted[word["page"]] if text == word["text"]]
            assert candidates, word
            assert max(_iou(box, b) for b in candidates) >= 0.9, word


def test_pixel_boxes_and_funsd_boxes_contain_the_word(ml_dataset: Path) -> None:
    stem = "irs_w2_2025_000003"
    words = _json(ml_dataset / "annotations" / "words" / "typed" / f"{stem}_words.json")
    (image,) = words["images"]
    assert image["path"] == f"images/typed/{stem}_p0.png" and (ml_dataset / image["path"]).is_file()
    with Image.open(ml_dataset / image["path"]) as im:
        assert im.size == (image["width"], image["height"])
    scale = image["dpi"] / 72
    for w in words["words"]:
        expected = [w["x"] * scale, w["y"] * scale, (w["x"] + w["width"]) * scale, (w["y"] + w["height"]) * scale]
        assert w["pixel_box"] == pytest.approx(expected, abs=0.05)
    funsd = _json(ml_dataset / "annotations" / "funsd" / "typed" / f"{stem}_funsd_p0.json")
    assert funsd["image_path"] == image["path"]
    labelled = {(w["text"], w["x"], w["y"]) for w in words["words"]}
    for entity in funsd["form"]:
        for fw in entity["words"]:
            x0, y0, x1, y1 = fw["box"]
            assert any(t == fw["text"] and x0 <= x <= x1 and y0 <= y <= y1 for t, x, y in labelled)


# ------------------------------------------------------------------------------------ BIO / words


def test_bio_spans_reconstruct_every_field_value(field_id_dataset: Path) -> None:
    for stem in _documents(field_id_dataset):
        truth = _json(field_id_dataset / "ground_truth" / "json" / f"{stem}.json")["fields"]
        bio = _json(field_id_dataset / "annotations" / "bio" / "typed" / f"{stem}_bio.json")
        spans: dict[str, list[str]] = {}
        current: str | None = None
        for token in bio["tokens"]:
            tag = token["tag"]
            if tag.startswith("B-"):
                current = tag[2:]
                assert current not in spans, "a field is one span"
                spans[current] = [token["text"]]
            elif tag.startswith("I-"):
                assert tag[2:] == current, "I- continues the open span"
                spans[current].append(token["text"])
            else:
                assert tag == "O"
                current = None
        filled = {fid: value for fid, value in truth.items() if value}
        assert set(spans) == set(filled)
        for fid, value in filled.items():
            assert " ".join(spans[fid]) == " ".join(value.split()), fid


def test_words_file_shape_the_client_reads(field_id_dataset: Path) -> None:
    from symagedocs._types import BioDataset, WordAnnotations

    stem = "irs_w2_2025_000001"
    words = _json(field_id_dataset / "annotations" / "words" / "typed" / f"{stem}_words.json")
    parsed = WordAnnotations.model_validate(words)
    assert parsed.form_id == "irs_w2_2025" and parsed.page_count == 1
    BioDataset.model_validate(_json(field_id_dataset / "annotations" / "bio" / "typed" / f"{stem}_bio.json"))
    ssn = next(w for w in words["words"] if w["field_id"] == "employee_ssn")
    assert ssn["label"] == "employee_ssn" and ssn["linked_field_ids"] == ["employee_ssn"]
    label = next(w for w in words["words"] if w["kind"] == "label" and "employee_ssn" in w["linked_field_ids"])
    assert label["field_id"] is None and label["field_type"] == "static"
    field = next(f for f in words["fields"] if f["field_id"] == "employee_ssn")
    assert field["stage"] == "completed" and field["question_field_id"] == "employee_ssn"
    assert [words["words"][i]["text"] for i in field["word_indices"]] == [field["value"]]


def test_blank_stage_fields_are_absent_from_box_labels() -> None:
    """A blank field is "" in the answer key and no label anywhere, even if text reached the page."""
    catalog = load_catalog()
    form = catalog.get("irs_w2_2025")
    spec = GenerationSpec(form_ids=(form.id,), quantity=1, output_formats=ML, seed=1, config={})
    (chunk,) = pipeline.plan_chunks("j", spec, 1)
    (doc,) = pipeline.fill(chunk, catalog, pipeline.identities(chunk))
    fill = {"scenario": "payer", "stages": {"box1_wages": "blank", "employee_ssn": "prefilled"}}
    # box1 keeps its text on purpose: the stage, not the value, decides what is labelled.
    blank = FilledDocument(
        form_id=doc.form_id,
        item_index=0,
        stem=doc.stem,
        values={**doc.values, "box2_federal_tax": ""},
        identity_seed=doc.identity_seed,
        stages={**fill["stages"], "box2_federal_tax": "blank"},
        fill=fill,
        metadata={"coherence_mode": "coherent"},
    )
    surfaces = render.render_document(form, blank, spec)
    files = dict(annotate.document_files(form, blank, surfaces, spec))
    bio = json.loads(files[f"annotations/bio/typed/{doc.stem}_bio.json"])
    assert not any(t["tag"].endswith("tax.box1.wages") for t in bio["tokens"])
    assert any(t["tag"] == "B-person.ssn" for t in bio["tokens"])
    objects = json.loads(files[f"_work/objects/typed/{doc.stem}.json"])
    assert "box1_wages" not in {o[0] for page in objects for o in page["objects"]}
    words = json.loads(files[f"annotations/words/typed/{doc.stem}_words.json"])
    assert "box1_wages" not in {f["field_id"] for f in words["fields"]}
    assert not any(w["field_id"] == "box1_wages" for w in words["words"])
    funsd = json.loads(files[f"annotations/funsd/typed/{doc.stem}_funsd_p0.json"])
    question = next(e for e in funsd["form"] if e["text"] == "1 Wages, tips, other compensation")
    assert question["label"] == "question" and question["linking"] == []
    truth = json.loads(files[f"ground_truth/json/{doc.stem}.json"])
    assert truth["fields"]["box2_federal_tax"] == ""
    assert truth["_metadata"]["fill"] == fill
    assert truth["_metadata"]["coherence_mode"] == "coherent"
    assert truth["_metadata"]["surfaces"].keys() == {"typed"}
    donut = [json.loads(line) for line in files[f"annotations/donut/typed/{doc.stem}_donut.jsonl"].splitlines()]
    assert "wages" not in json.loads(donut[0]["ground_truth"])["gt_parse"]["tax"].get("box1", {})


# ------------------------------------------------------------------------------------ label schemes


def test_label_schemes_name_the_classes() -> None:
    forms = [load_catalog().get(f) for f in FORMS]
    assert label_names(forms, "nist3") == ("name", "ssn", "data")
    assert label_names(forms, "field_type")[:3] == ("ssn", "ein", "address")
    concepts = label_names(forms, "semantic_concept")
    assert concepts[0] == "person.ssn" and len(concepts) == len(set(concepts))
    assert len(label_names(forms, "field_id")) == sum(f.field_count for f in forms)
    assert bio_tag_names(("ssn", "name")) == ("O", "B-ssn", "I-ssn", "B-name", "I-name")
    with pytest.raises(ValueError):
        label_names(forms, "bogus")


def test_donut_tree_collects_shared_leaves_into_lists() -> None:
    form = load_catalog().get("irs_w2_2025")
    values = {f.id: f"v-{f.id}" for f in form.fields}
    nist = gt_parse(form, values, "nist3")
    assert set(nist) == {"name", "ssn", "data"}
    assert isinstance(nist["data"], list) and "v-box1_wages" in nist["data"]
    nested = gt_parse(form, values, "semantic_concept")
    assert nested["tax"]["box12a"] == {"code": "v-box12a_code", "amount": "v-box12a_amount"}
    assert gt_parse(form, {**values, "box1_wages": ""}, "field_id").get("box1_wages") is None


# ------------------------------------------------------------------------------------ consumers


def test_coco_loads_in_pycocotools(ml_dataset: Path) -> None:
    from pycocotools.coco import COCO

    manifest = _json(ml_dataset / "manifest.json")
    names = manifest["labels"]["names"]
    total_images = 0
    for split in manifest["splits"]:
        coco = COCO(str(ml_dataset / "annotations" / "coco" / "typed" / f"instances_{split}.json"))
        assert [c["name"] for c in coco.loadCats(coco.getCatIds())] == names
        for image in coco.loadImgs(coco.getImgIds()):
            assert (ml_dataset / image["file_name"]).is_file()
            anns = coco.loadAnns(coco.getAnnIds(imgIds=[image["id"]]))
            assert anns, image
            for ann in anns:
                x, y, w, h = ann["bbox"]
                assert x >= 0 and y >= 0 and x + w <= image["width"] and y + h <= image["height"]
                assert ann["area"] == pytest.approx(w * h, abs=0.05) and ann["iscrowd"] == 0
                assert 1 <= ann["category_id"] <= len(names)
        total_images += len(coco.getImgIds())
    assert total_images == 10 * (1 + 2)  # a W-2 page and two 1040 pages per item


def test_yolo_labels_pass_the_ultralytics_checks(ml_dataset: Path) -> None:
    """The checks of ultralytics.data.utils.verify_image_label, and its image -> label path rule."""
    root = ml_dataset / "annotations" / "yolo" / "typed"
    data = yaml.safe_load((root / "data.yaml").read_text())
    assert {"train", "val", "names", "nc"} <= set(data) and "path" not in data
    assert len(data["names"]) == data["nc"] == len(_json(ml_dataset / "manifest.json")["labels"]["names"])
    images = []
    for split in ("train", "val", "test"):
        folder = (root / data[split]).resolve()
        images += sorted(folder.glob("*.png"))
    assert len(images) == 30
    for image in images:
        sa, sb = f"{os.sep}images{os.sep}", f"{os.sep}labels{os.sep}"
        label = Path(sb.join(str(image).rsplit(sa, 1)).rsplit(".", 1)[0] + ".txt")
        with Image.open(image) as im:
            im.verify()
            assert im.size[0] > 9 and im.size[1] > 9
        rows = [line.split() for line in label.read_text().splitlines() if line]
        assert rows, label
        for row in rows:
            assert len(row) == 5
            cls, coords = int(row[0]), [float(v) for v in row[1:]]
            assert 0 <= cls < data["nc"]
            assert all(0.0 <= v <= 1.0 for v in coords)
            assert coords[2] > 0 and coords[3] > 0


def test_donut_rows_parse(ml_dataset: Path) -> None:
    from symagedocs._types import DonutRecord

    rows = []
    for split in ("train", "validation", "test"):
        lines = (ml_dataset / "annotations" / "donut" / "typed" / split / "metadata.jsonl").read_text().splitlines()
        rows += [json.loads(line) for line in lines]
    assert len(rows) == 30
    for row in rows:
        DonutRecord(file_name=row["file_name"], ground_truth=row["ground_truth"])
        assert (ml_dataset / row["file_name"]).is_file()
        assert isinstance(row["ground_truth"], str) and "<s_" not in row["ground_truth"]
        assert isinstance(json.loads(row["ground_truth"])["gt_parse"], dict)


def test_hugging_face_parquet_loads_with_datasets(ml_dataset: Path) -> None:
    import datasets

    manifest = _json(ml_dataset / "manifest.json")
    ds = datasets.load_dataset("parquet", data_dir=str(ml_dataset / "annotations" / "hf" / "typed"))
    assert {name: ds[name].num_rows for name in ds} == {"train": 24, "validation": 3, "test": 3}
    tags = ds["train"].features["ner_tags"].feature
    assert isinstance(tags, datasets.ClassLabel) and tags.names == manifest["labels"]["bio_tags"]
    row = ds["train"][0]
    assert row["id"] == "irs_w2_2025_000000_p0" and row["image"].size == (1275, 1650)
    assert len(row["words"]) == len(row["boxes"]) == len(row["ner_tags"])
    assert all(0 <= v <= 1000 for box in row["boxes"] for v in box)
    assert {tags.int2str(t)[:2] for t in row["ner_tags"]} == {"O", "B-", "I-"}
    words = _json(ml_dataset / "annotations" / "words" / "typed" / "irs_w2_2025_000000_words.json")
    assert row["words"] == [w["text"] for w in words["words"]]
    # the card's YAML header makes the unpacked folder itself a dataset, one config per surface
    assert datasets.load_dataset(str(ml_dataset), "typed")["test"].num_rows == 3


def test_pdf_only_dataset_has_the_parquet_export_without_rasterizing(tmp_path: Path) -> None:
    """A dataset carries what was asked for: no page image was asked, so none is made; the parquet
    still has one row per page with words, 0-1000 boxes and tags, and a null image."""
    import datasets

    spec = GenerationSpec(form_ids=("irs_w2_2025",), quantity=2, output_formats=("pdf_typed",), seed=3)
    root = make_dataset(tmp_path, spec)
    assert not (root / "images").exists() and not (root / "_work").exists()
    ds = datasets.load_dataset("parquet", data_dir=str(root / "annotations" / "hf" / "typed"))
    row = ds["train"][0]
    assert ds["train"].num_rows == 2 and row["image"] is None
    assert row["words"] and len(row["boxes"]) == len(row["words"]) == len(row["ner_tags"])
    assert all(0 <= v <= 1000 for box in row["boxes"] for v in box)
    words = _json(root / "annotations" / "words" / "typed" / f"{row['document_id']}_words.json")
    assert row["words"] == [w["text"] for w in words["words"]]


# ------------------------------------------------------------------------------------ packaging


def test_manifest_card_and_determinism(ml_dataset: Path, tmp_path: Path) -> None:
    manifest = _json(ml_dataset / "manifest.json")
    assert manifest["layout"] == "single" and manifest["archive"] == {"kind": "dataset"}
    assert manifest["splits"] == splits(10)[0] and manifest["omitted_splits"] == []
    assert manifest["dataset_info"]["generation_params"]["label_scheme"] == "semantic_concept"
    assert set(manifest["generator"]) == {
        "git_shas",
        "render_versions",
        "finalizer_git_sha",
        "stamps_seen",
        "stamps_unreadable",
        "guard_key",
        "scope",
    }
    on_disk = [p for p in ml_dataset.rglob("*") if p.is_file() and p.name != "manifest.json"]
    assert manifest["files"]["count"] == len(on_disk)
    assert manifest["files"]["bytes"] == sum(p.stat().st_size for p in on_disk)
    card = (ml_dataset / "README.md").read_text()
    assert 'load_dataset("parquet", data_dir="annotations/hf/typed")' in card
    assert "`tax.box1.wages`" in card and "## License" in card and "cc0-1.0" in card
    assert all(f"`{rule_id}`" in card for rule_id, _ in RULES)
    again = make_dataset(tmp_path, GenerationSpec(form_ids=FORMS, quantity=10, output_formats=ML, seed=17), "other")
    for path in ml_dataset.rglob("*"):
        if path.is_file():
            assert (again / path.relative_to(ml_dataset)).read_bytes() == path.read_bytes(), path


def test_splits_are_floor_allocated_by_item() -> None:
    assert split_ranges(10) == {"train": (0, 8), "validation": (8, 9), "test": (9, 10)}
    assert split_ranges(19) == {"train": (0, 17), "validation": (17, 18), "test": (18, 19)}
    assert splits(5) == ({"train": {"count": 5, "item_range": [0, 5]}}, ["validation", "test"])


def test_item_files_are_ordered_for_the_client() -> None:
    paths = [
        "annotations/funsd/handwritten/S_funsd_p0.json",
        "images/typed/S_p1.png",
        "annotations/bio/typed/S_bio.json",
        "annotations/funsd/typed/S_funsd_p1.json",
        "pdfs/handwritten/S.pdf",
        "annotations/yolo/typed/images/train/S_p0.png",
        "annotations/words/typed/S_words.json",
        "ground_truth/json/S.json",
        "annotations/funsd/typed/S_funsd_p0.json",
        "pdfs/typed/S.pdf",
        "annotations/words/handwritten/S_words.json",
        "images/typed/S_p0.png",
        "_work/hf/typed/S.arrow",
    ]
    assert order_item_files(paths) == [
        "pdfs/typed/S.pdf",
        "pdfs/handwritten/S.pdf",
        "ground_truth/json/S.json",
        "annotations/words/typed/S_words.json",
        "annotations/funsd/typed/S_funsd_p0.json",
        "annotations/funsd/typed/S_funsd_p1.json",
        "annotations/bio/typed/S_bio.json",
        "images/typed/S_p0.png",
        "images/typed/S_p1.png",
        "annotations/words/handwritten/S_words.json",
    ]
