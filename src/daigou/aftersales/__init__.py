"""After-sales on any marketplace: refunds and returns, their records, the money back in the
wallet, and the writes that go through the reconciler (decision 0014)."""
