"""Investigations: plate, partial-plate and fuzzy search, canvass, timeline, seen-near and exports."""
