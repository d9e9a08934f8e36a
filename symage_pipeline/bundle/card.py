"""README.md, the dataset card: what is in the dataset, how it was made, and how to load each export.

The card ships inside the dataset (so it must be request-determined, like everything in the zip:
no job id, no clock) and is served at ``GET /jobs/{id}/dataset/readme``. Its YAML front matter is
a Hugging Face dataset card header: ``configs`` point at the parquet files, so the unpacked
folder also loads with ``datasets.load_dataset(<folder>, "<surface>")``.
"""

from __future__ import annotations

from collections.abc import Sequence

from symage_pipeline.annotate.labels import bio_tag_names, field_label, label_names
from symage_pipeline.annotate.splits import SPLIT_NAMES, split_ranges
from symage_pipeline.catalog import Catalog
from symage_pipeline.checker import RULES
from symage_pipeline.spec import GenerationSpec

# The documents are synthetic (no real person's data) and the form templates are US government
# works; the card offers the data under a public-domain dedication.
DATASET_LICENSE = "cc0-1.0"
_TASKS = {
    "bio": "token-classification",
    "coco": "object-detection",
    "yolo": "object-detection",
    "donut": "image-to-text",
}


def _md(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def dataset_card(spec: GenerationSpec, catalog: Catalog, *, hf_surfaces: Sequence[str], layout: str) -> str:
    forms = [catalog.get(f) for f in spec.form_ids]
    scheme = spec.label_scheme
    names = label_names(forms, scheme)
    ranges = split_ranges(spec.quantity)
    formats = list(spec.output_formats)
    tasks = sorted({"token-classification", *(_TASKS[f] for f in formats if f in _TASKS)})
    title = " + ".join(f.name for f in forms)

    lines = ["---", f"license: {DATASET_LICENSE}", f"pretty_name: 'Symage synthetic {title}'"]
    lines.append("task_categories:")
    lines.extend(f"- {t}" for t in tasks)
    lines.extend(["tags:", "- synthetic", "- document-ai", "- forms"])
    if hf_surfaces:
        lines.append("configs:")
        for n, surface in enumerate(hf_surfaces):
            lines.append(f"- config_name: {surface}")
            if n == 0:
                lines.append("  default: true")
            lines.append("  data_files:")
            for split in ranges:
                lines.append(f"  - split: {split}")
                lines.append(f"    path: annotations/hf/{surface}/{split}-*.parquet")
    lines.append("---")

    lines += [
        "",
        f"# Symage synthetic {title}",
        "",
        "## What",
        "",
        f"{spec.quantity:,} synthetic identities, each filling {len(forms)} form(s) "
        f"({spec.documents_total:,} documents): {', '.join(f'`{f.id}` ({f.name})' for f in forms)}. "
        "Every value is generated; no real person's data is in it. Each document comes with its answer key "
        "(ground truth), word boxes, FUNSD entities and, when requested, BIO, COCO, YOLOv8 and Donut labels; "
        "a Hugging Face `datasets` export is always included: parquet with the page images when the dataset "
        "has them (a PNG surface, a degradation profile, or COCO/Donut/YOLO), otherwise words, boxes and tags "
        "with a null `image` (nothing is rasterized that was not asked for).",
        "",
        "## How it was made",
        "",
        f"- Requested output formats: {', '.join(f'`{f}`' for f in formats)}; seed `{spec.seed}`.",
        f"- Identities: item *i* is generated from seed `{spec.seed} + i`; coherence mode "
        f"`{spec.coherence_mode}` (one identity fills every form of an item, so values agree across forms).",
        "- Rendering: the blank form is drawn from its definition and values are placed as text; word boxes "
        "are computed while placing, so labels are exact rather than re-detected.",
        "- Labels are exported from one annotation model (words, fields with values and links, one class per "
        "field under the label scheme, reading order), so every format agrees on where each field is.",
        "- The same request and seed give a byte-identical dataset.",
        "",
        "## Layout",
        "",
        "```",
        "manifest.json                               counts, splits, generation parameters, label names",
        "README.md                                   this card",
        "ground_truth/data.csv                       one row per document",
        "ground_truth/json/<stem>.json               answer key per document (_metadata: fill, render facts)",
        "pdfs/<surface>/<stem>.pdf",
        "images/<surface>/<stem>_p<N>.png            page images (when requested or needed by COCO/Donut)",
        "annotations/words/<surface>/<stem>_words.json",
        "annotations/funsd/<surface>/<stem>_funsd_p<N>.json",
        "annotations/bio/<surface>/<stem>_bio.json          (bio)",
        "annotations/donut/<surface>/<stem>_donut.jsonl     (donut; per split: <split>/metadata.jsonl)",
        "annotations/coco/<surface>/instances_<split>.json  (coco)",
        "annotations/yolo/<surface>/{data.yaml,images/<split>/,labels/<split>/}  (yolo)",
        "annotations/hf/<surface>/<split>-<k>-of-<n>.parquet",
        "```",
        "",
        "`<stem>` is `<form_id>_<item index, zero-padded>`, `<N>` a 0-based page number.",
    ]
    if layout == "sharded":
        lines += [
            "",
            "This dataset is **sharded**: `shards/shard_<k>.zip` hold the documents of consecutive items (with "
            "their parquet pieces and YOLO labels), `annotations.zip` the dataset-level files (COCO, Donut "
            "metadata, YOLO data.yaml, data.csv) and `preview.zip` the first few documents. Unpack all of them "
            "into one folder to get the tree above (`symagedocs` `download_dataset` fetches them all).",
        ]

    lines += ["", "## Loading", ""]
    if hf_surfaces:
        surface = hf_surfaces[0]
        lines += [
            "Hugging Face `datasets` (LayoutLMv3 convention: `boxes` are `[x0, y0, x1, y1]` scaled to 0-1000 of the "
            "page image, `ner_tags` a `ClassLabel` of BIO tags):",
            "",
            "```python",
            "from datasets import load_dataset",
            "",
            f'ds = load_dataset("parquet", data_dir="annotations/hf/{surface}")',
            'names = ds["train"].features["ner_tags"].feature.names',
            'example = ds["train"][0]  # image (PIL, or None), words, boxes, ner_tags, document_id, page',
            "```",
            "",
        ]
    if "coco" in formats:
        lines += [
            "COCO: `pycocotools.coco.COCO('annotations/coco/typed/instances_train.json')`; `file_name` is relative "
            "to the dataset root; one object per filled field per page, `bbox` in pixels.",
            "",
        ]
    if "yolo" in formats:
        lines += [
            "YOLOv8: `yolo detect train data=annotations/yolo/typed/data.yaml` (paths are relative to the "
            "yaml; classes 0-based in the order below).",
            "",
        ]
    if "donut" in formats:
        lines += [
            "Donut: each `metadata.jsonl` row has `file_name` (relative to the dataset root) and `ground_truth`, "
            'a JSON string `{"gt_parse": {...}}`. No task start token is emitted: prepend your own (e.g. '
            f"`<s_{spec.form_ids[0]}>`). Fields that share a leaf path are collected into a list at that leaf.",
            "",
        ]
    lines += [
        "BIO (`_bio.json`): `tokens[]` with `text`, `tag`, `bbox` `[x0, y0, x1, y1]` in PDF points (origin top "
        "left) and 0-based `page`. FUNSD pages: entities `question` (printed labels), `answer` (values, linked "
        "to their question), `header`, `other`; boxes in PDF points.",
        "",
        "## Labels",
        "",
        f"Label scheme: `{scheme}` ({len(names)} classes). COCO category id = index + 1, YOLO class id = index, "
        "BIO tags `O`, `B-<class>`, `I-<class>` in this order:",
        "",
        "| index | class |",
        "|---|---|",
    ]
    lines += [f"| {i} | `{_md(n)}` |" for i, n in enumerate(names)]
    lines += ["", f"BIO tag names (`ner_tags`): {', '.join(f'`{t}`' for t in bio_tag_names(names))}."]

    lines += ["", "## Fields", ""]
    for form in forms:
        lines += [
            f"### `{form.id}` — {_md(form.name)} ({form.page_count} page(s), {form.field_count} fields)",
            "",
            "| field | label | type | semantic concept | class |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| `{f.id}` | {_md(f.label)} | {f.type} | `{f.semantic_concept}` | `{_md(field_label(f, scheme))}` |"
            for f in form.fields
        ]
        lines.append("")

    lines += ["## Splits", "", "80/10/10 by item (all forms of an identity stay together), floor-allocated:", ""]
    for split in SPLIT_NAMES:
        if split in ranges:
            start, stop = ranges[split]
            lines.append(f"- `{split}`: {stop - start:,} items ({start:,}–{stop - 1:,})")
        else:
            lines.append(f"- `{split}`: empty, omitted")

    lines += [
        "",
        "## Conventions and invariants",
        "",
        "- Coordinates: PDF points, origin top-left, in words/BIO/FUNSD/ground truth; pixels of the page image in "
        "COCO, YOLO (normalised) and `pixel_box`; 0-1000 of the page image in the parquet.",
        "- Reading order: the form's order (per page: printed text, then each field's label and its value).",
        '- Blank fields: `""` in the answer key, absent from every box label (BIO `O`, no COCO/YOLO object).',
        "- Every label box contains the rendered word it labels.",
    ]
    lines += ["", "Invariants that the generator's checker (`symage_pipeline.checker`) verifies:", ""]
    lines += [f"- `{rule_id}`: {_md(text)}" for rule_id, text in RULES]

    lines += [
        "",
        "## License",
        "",
        f"`{DATASET_LICENSE}`: synthetic data, dedicated to the public domain (CC0 1.0). The blank forms are "
        "US government works.",
        "",
    ]
    return "\n".join(lines)
