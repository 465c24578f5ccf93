"""The PandaPon upstream adapter: the gateway as a client of a PandaPon account (Taobao and
1688), over PandaPon's signed HTTP API (CONTRACT sections 1-2, the ``pandapon`` dialect)."""
