"""daigou: a self-hosted cross-border purchasing gateway for Taobao and 1688."""

__version__ = "0.1.0"
