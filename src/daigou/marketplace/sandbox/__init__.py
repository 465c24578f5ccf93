"""Sandbox marketplace: a deterministic simulated Taobao + 1688 for testing without accounts."""
