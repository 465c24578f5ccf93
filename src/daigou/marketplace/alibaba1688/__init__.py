"""The 1688 Open Platform (open.1688.com) protocol layer: signing (``signing``), wire values
(``values``), error classification (``errors``), the HTTP client (``client``), access tokens
(``tokens``) and push deliveries (``push``). The port mapping (``adapter``) stands on these.

Reference: ../shared/reference/marketplaces-and-practice.md section 2; docs/marketplaces.md.
"""
