"""The access log: one hash-chained record per access to ALPR data (Civil Code 1798.90.52)."""
