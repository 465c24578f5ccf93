"""The operator's sandbox controls (ENDPOINTS 12.15 to 12.18, 12.20 to 12.22)."""
