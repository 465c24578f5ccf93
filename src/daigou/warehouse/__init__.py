"""The warehouse: international shipping of bought goods (ENDPOINTS 11, 12.9-12.12)."""
