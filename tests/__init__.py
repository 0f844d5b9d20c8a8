"""The pytest suite (see ``tests/support/`` for the kit every test shares)."""

import pytest

# The kit's asserts explain their failures as a test's own do; registered before the kit is imported.
pytest.register_assert_rewrite("tests.support")
