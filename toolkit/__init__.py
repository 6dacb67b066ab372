"""Lived Experience Toolkit."""

__version__ = "0.1.0"
