"""Shared fixtures for the whole suite."""

import pytest
from django.core.management import call_command


@pytest.fixture
def seeded(db):
    """The database loaded with the curated seed fixtures."""
    call_command("seed", verbosity=0)
