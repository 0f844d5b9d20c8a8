"""Read models over the registry: each takes a typed query and returns data.

They know nothing of requests, URLs, HTML or HTTP errors; a query they cannot answer
raises ``cooperation.errors.InvalidQuery``, which the API renders as its one error shape.
"""
