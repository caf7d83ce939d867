"""plateguard: self-hosted ALPR that enforces the department ALPR policy in code."""

__version__ = "0.1.0"
