"""Identities (the graph of a person and their household's records) and the per-identity packet.

A domain library: no Dagster, no FastAPI.  ``make_identity(seed, i)`` is item *i* of a job;
``build_packet(identity)`` is every value any form may show for it.
"""

from symage_pipeline.identities.graph import core_identities, identities_from_seeds, make_identities, make_identity
from symage_pipeline.identities.packet import SECTIONS, build_packet

__all__ = ["SECTIONS", "build_packet", "core_identities", "identities_from_seeds", "make_identities", "make_identity"]
