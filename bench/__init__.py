"""Parley's benchmarks (``make bench``): figures for the targets in the design notes."""
