"""Taobao reverse orders (ENDPOINTS section 3): the routes and wire view on the after-sales core."""
