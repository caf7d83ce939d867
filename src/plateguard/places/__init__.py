"""Address points: named places (from the city's or county's address-point file) for area searches."""
