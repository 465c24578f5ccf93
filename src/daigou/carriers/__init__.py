"""The domestic carriers of China (ENDPOINTS 10.6), for return shipments on both marketplaces."""
