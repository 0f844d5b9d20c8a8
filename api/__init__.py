"""The HTTP face of the registry: REST API v1 under /api/v1/."""
