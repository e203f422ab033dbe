"""Experiments over several scenarios or parameter points: comparisons with common random numbers."""
