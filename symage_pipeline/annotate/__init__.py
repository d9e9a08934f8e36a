"""Ground truth and training labels derived from a form definition and rendered word boxes.

Nothing here re-reads a PDF: everything comes from the values that were filled and the word boxes
the renderer computed while placing them, so annotations cannot drift from the rendered page.
One model (``model.SurfaceAnnotation``) is exported to every format: words, FUNSD, BIO, Donut,
COCO, YOLOv8 and Hugging Face parquet.

Two hooks: ``document_labels`` per document (in the chunk that rendered it; ``document_files``
for a document on its own) and ``dataset_files`` per dataset (at bundle time, from the
per-document files).
"""

from symage_pipeline.annotate.dataset import DatasetFile, dataset_files
from symage_pipeline.annotate.funsd import funsd_pages
from symage_pipeline.annotate.ground_truth import GROUND_TRUTH_SCHEMA_VERSION, csv_row, ground_truth, truth_json
from symage_pipeline.annotate.labels import LABEL_SCHEMES, bio_tag_names, label_names
from symage_pipeline.annotate.model import SurfaceAnnotation, annotate_surface, annotate_words, words_json
from symage_pipeline.annotate.outputs import DocumentLabels, RowRuns, document_files, document_labels
from symage_pipeline.annotate.words import bio_document, bio_json, words_document

__all__ = [
    "GROUND_TRUTH_SCHEMA_VERSION",
    "LABEL_SCHEMES",
    "DatasetFile",
    "DocumentLabels",
    "RowRuns",
    "SurfaceAnnotation",
    "annotate_surface",
    "annotate_words",
    "bio_document",
    "bio_json",
    "bio_tag_names",
    "csv_row",
    "dataset_files",
    "document_files",
    "document_labels",
    "funsd_pages",
    "ground_truth",
    "truth_json",
    "label_names",
    "words_document",
    "words_json",
]
