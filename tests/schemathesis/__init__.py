"""Schemathesis against a live server (``tests/schemathesis/run``); not collected by pytest."""
