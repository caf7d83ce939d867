"""Hotlists: lists of wanted plates, their import and refresh, and the in-memory matcher."""
