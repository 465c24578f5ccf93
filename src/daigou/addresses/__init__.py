"""Consignee addresses (10.1-10.3), the area-code tree (10.5) and address parsing (10.4)."""
