<<<<<<< HEAD
"""The consolidation warehouse: warehouses, freight tables, international logistics orders and
parcels (ENDPOINTS sections 11 and 12.9-12.12)."""
=======
"""The warehouse: international shipping of bought goods (ENDPOINTS 11, 12.9-12.12)."""
>>>>>>> freight
