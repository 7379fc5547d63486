"""Helpers of the test suite that are not fixtures: builders, fakes, payloads, shared scenarios.

Not test modules (pytest collects nothing here). Test modules import from this package, never from
each other or from a ``conftest.py``; fixtures live in the ``conftest.py`` nearest their users.
"""
