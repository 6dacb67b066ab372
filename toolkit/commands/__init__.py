"""Command modules: each registers one area's `lxt` commands on the Typer app."""
