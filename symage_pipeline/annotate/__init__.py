"""Ground truth and layout annotations derived from a form definition and rendered word boxes.

Nothing here re-reads a PDF: everything comes from the values that were filled and the word boxes
the renderer computed while placing them, so annotations cannot drift from the rendered page.
"""

from symage_pipeline.annotate.funsd import funsd_pages
from symage_pipeline.annotate.ground_truth import GROUND_TRUTH_SCHEMA_VERSION, csv_row, ground_truth
from symage_pipeline.annotate.outputs import document_files
from symage_pipeline.annotate.words import LABEL_SCHEMES, bio_document, words_document

__all__ = [
    "GROUND_TRUTH_SCHEMA_VERSION",
    "LABEL_SCHEMES",
    "bio_document",
    "csv_row",
    "document_files",
    "funsd_pages",
    "ground_truth",
    "words_document",
]
