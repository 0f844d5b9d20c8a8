"""The test kit, after NetBox's ``utilities/testing``: what tests share, so no test module imports another.

* ``resource_case``: the generic resource suite (``ResourceTests``, ``BriefFormTests``), after
  NetBox's ``APIViewTestCases``;
* ``write_bodies``: a valid create and update body per resource (``Pk``, ``materialize``);
* ``filterset_coverage``: NetBox's missing-filters check;
* ``schema_checked_client``: the API client whose every response must match ``openapi.yaml``;
* ``error_shape``: ``assert_error``, the one error shape;
* ``roles``: role users, their tokens and clients (API, admin, browser);
* ``records``: the registry's rows, to prove a refused write wrote nothing;
* ``row_snapshots``: a costly database state built once and restored per test (the seed, the corpora);
* ``query_counts``: the queries one request runs;
* ``factories``: ``make_*`` records that pass ``full_clean()``;
* ``admin_forms``: the POST data of an admin change form and its inlines;
* ``db_outage``: simulated database outages.

Conftests hold fixtures only, as thin wrappers over this kit. Nothing here is collected
(no ``test_*`` modules), but pytest rewrites its asserts (``tests/__init__.py``), so they
explain their failures as a test's own do.
"""
