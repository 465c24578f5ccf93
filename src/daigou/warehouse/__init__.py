"""The consolidation warehouse: warehouses, freight tables, international logistics orders and
parcels (ENDPOINTS sections 11 and 12.9-12.12)."""
