"""Helpers shared by the test modules. A test module imports helpers only from here (and gets
fixtures from the conftest files); it never imports another test module
(tests/unit/test_architecture.py checks).
"""
