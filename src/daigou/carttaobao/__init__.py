"""The Taobao cart (ENDPOINTS 4.1-4.6): lines per developer and sub-account, re-priced on read,
ordered through the Taobao order use cases (orderstaobao)."""
