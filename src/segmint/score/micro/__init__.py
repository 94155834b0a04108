"""Micro-segments: clusters of buying behaviour inside a parent group."""
