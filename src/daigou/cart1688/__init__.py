"""The 1688 cart (ENDPOINTS 8.1-8.4): lines per developer and sub-account, re-priced on read."""
