"""Identities and the per-identity value packet that forms are filled from."""

from symage_pipeline.identities.packet import build_packet
from symage_pipeline.identities.person import make_identity

__all__ = ["build_packet", "make_identity"]
