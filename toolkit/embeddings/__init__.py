"""Sentence embeddings: one registry of named offline backends, and the embedding cache."""
