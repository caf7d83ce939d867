"""Cameras and mobile units with their installation and maintenance log."""
