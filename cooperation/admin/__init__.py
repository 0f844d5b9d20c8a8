"""The curator backend: Django admin for every registry model."""

from cooperation.admin import registry  # noqa: F401  (registers the ModelAdmins)
