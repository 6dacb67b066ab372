"""The study: its configuration (study.yml), validation, the pipeline runner and where its outputs
live.
"""
