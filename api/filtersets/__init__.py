"""FilterSets for every resource: the explicit query-parameter contract of each list."""
