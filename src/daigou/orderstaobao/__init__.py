"""Taobao purchasing (ENDPOINTS section 2): purchase orders over the purchasing core."""
