"""`lxt` commands for this area of the toolkit."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `lxt` app."""
