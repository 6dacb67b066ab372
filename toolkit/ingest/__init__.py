"""Ingest: read survey exports and transcripts, pseudonymise, write the participants, responses,
scores and documents tables.
"""
