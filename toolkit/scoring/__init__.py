"""Instruments (measure definitions) and the scoring rules of REFERENCE.md."""
