"""The contract every endpoint shares: errors, query parameters, pagination, permissions, throttling,
authentication, parsers, filter backends, ETags, prefetch planning, fields and record URLs."""
