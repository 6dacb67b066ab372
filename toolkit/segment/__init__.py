"""Segment: split documents into sentence-sized segments with stable ids."""
