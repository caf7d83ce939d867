"""Plate reads and the image store."""
