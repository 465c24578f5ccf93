"""Goods: Taobao and 1688 search, detail, categories and pictures (ENDPOINTS 1, 5, 12.19)."""
