"""Alerts raised when a read matches a hotlist, and the verification workflow before enforcement."""
