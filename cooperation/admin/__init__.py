"""The curator backend: Django admin for every registry model."""

from cooperation.admin import model_admins  # noqa: F401  (registers the ModelAdmins)
