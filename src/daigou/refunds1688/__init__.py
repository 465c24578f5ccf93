"""1688 after-sales (ENDPOINTS section 7): the routes and wire view on the after-sales core."""
