"""Coding: the codebook, machine suggestions, learned classifiers, people's review, agreement and
REFI-QDA exchange.
"""
