"""Places goods move between: supplier warehouses and buyer delivery locations."""
