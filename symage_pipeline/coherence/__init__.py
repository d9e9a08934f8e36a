"""Coherence: which identity fills which field of which form (coherent | shuffled | random), and
fill scenarios that prefill, complete or blank fields per item."""

from symage_pipeline.coherence.fill import chunk_identities, fill_documents

__all__ = ["chunk_identities", "fill_documents"]
