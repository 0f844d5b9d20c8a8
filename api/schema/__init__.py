"""drf-spectacular wiring: the auto schema, extensions, parameter schemas, links, hooks and the description."""
