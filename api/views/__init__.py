"""Viewsets for every resource, one module per area of the domain."""
