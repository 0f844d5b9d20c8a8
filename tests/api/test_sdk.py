"""A client team's generated SDK works on the first try, against a live server.

Once per session, ``openapi-python-client`` generates a Python package from the
committed ``openapi.yaml``; any warning or error it prints about the schema fails
the run (so the schema stays clean for SDK generators). The tests then call the
API only through that package's typed functions and models, against
pytest-django's ``live_server`` with the seed data loaded.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
import shutil
import subprocess
import sys
import typing
from pathlib import Path
from types import ModuleType

import pytest
from django.db import transaction

from cooperation.models import AgreementParty, Organization
from cooperation.roles import sync_roles
from tests.support.roles import make_role_user
from tests.support.schema_checked_client import SCHEMA_PATH

PACKAGE = "registry_sdk"
GENERATE_TIMEOUT = 180  # seconds
# No post hooks: they only reformat the code (``ruff``) and warn when the tool is not on PATH,
# which would be noise about the environment, not about the schema.
GENERATOR_CONFIG = "post_hooks: []\n"
SCHEMA_PROBLEM = re.compile(r"\b(warning|error)", re.IGNORECASE)

MOU = "russia-china-ilrs-mou-2021"
NEW_ORG = "lunar-station-sdk-consortium"


def _generator() -> str:
    beside_python = Path(sys.executable).parent / "openapi-python-client"
    found = str(beside_python) if beside_python.exists() else shutil.which("openapi-python-client")
    if not found:
        pytest.fail("openapi-python-client is not installed (it is pinned in requirements.txt)")
    return found


@pytest.fixture(scope="session")
def sdk(tmp_path_factory) -> typing.Iterator[ModuleType]:
    """The package generated from openapi.yaml, importable as ``registry_sdk`` for the session."""
    root = tmp_path_factory.mktemp("sdk")
    config = root / "generator.yaml"
    config.write_text(GENERATOR_CONFIG, encoding="utf-8")
    command = [
        _generator(),
        "generate",
        "--path",
        str(SCHEMA_PATH),
        "--output-path",
        str(root / PACKAGE),
        "--meta",
        "none",
        "--config",
        str(config),
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=GENERATE_TIMEOUT, check=False)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"openapi-python-client did not finish within {GENERATE_TIMEOUT}s:\n{exc.stdout}\n{exc.stderr}")
    output = f"{done.stdout}\n{done.stderr}".strip()
    problems = [line for line in output.splitlines() if SCHEMA_PROBLEM.search(line)]
    if done.returncode != 0 or problems:
        pytest.fail(
            f"openapi-python-client exited {done.returncode} and reported {len(problems)} problem line(s) "
            f"about openapi.yaml; full output:\n{output}",
            pytrace=False,
        )

    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def operation(sdk: ModuleType, tag: str, operation_id: str) -> ModuleType:
    """The generated module of one operation, e.g. ``operation(sdk, "agreements", "agreements_list")``."""
    return importlib.import_module(f"{sdk.__name__}.api.{tag}.{operation_id}")


@pytest.fixture
def registry(request, live_server, transactional_db) -> str:
    """The live server's base URL, with the seed data committed and the role groups present.

    ``seeded`` bulk-inserts model by model; without the test transaction around it (the live
    server needs committed data) each insert would commit alone and trip foreign-key checks,
    so it runs here inside one atomic block.
    """
    with transaction.atomic():
        request.getfixturevalue("seeded")
        sync_roles()
    return live_server.url


def test_generated_package_has_the_documented_operations(sdk):
    for tag, operation_id in [
        ("agreements", "agreements_list"),
        ("agreements", "agreements_retrieve"),
        ("organizations", "organizations_create"),
        ("organizations", "organizations_partial_update"),
        ("parties", "parties_create"),
    ]:
        module = operation(sdk, tag, operation_id)
        for function in ("sync", "sync_detailed", "asyncio", "asyncio_detailed"):
            assert callable(getattr(module, function, None)), f"{operation_id}.{function} was not generated"
    for name in ("Agreement", "PaginatedAgreementList", "PartialDate", "Organization", "Error", "FieldError"):
        assert hasattr(sdk.models, name), f"model {name} was not generated"


def test_list_agreements_with_filters(sdk, registry):
    agreements_list = operation(sdk, "agreements", "agreements_list")
    models = sdk.models

    with sdk.Client(base_url=registry, raise_on_unexpected_status=True) as client:
        response = agreements_list.sync_detailed(client=client, party=["roscosmos"], ordering="signed_on")
        assert response.status_code == 200, response.content
        page = response.parsed
        assert isinstance(page, models.PaginatedAgreementList)
        assert page.count == 4
        assert [a.slug for a in page.results] == [
            "us-russia-gateway-joint-statement-2017",
            "roscosmos-cnsa-cooperation-program-2018-2022",
            "roscosmos-cnsa-lunar-data-center-agreement-2018",
            "roscosmos-cnsa-luna-26-change-7-agreement-2020",
        ]
        for agreement in page.results:
            assert isinstance(agreement, models.Agreement)
            assert all(isinstance(p, models.PartyInAgreement) for p in agreement.parties)
            assert "roscosmos" in {p.organization.slug for p in agreement.parties}
        by_slug = {a.slug: a for a in page.results}
        assert {p.organization.slug for p in by_slug["us-russia-gateway-joint-statement-2017"].parties} == {
            "nasa",
            "roscosmos",
        }
        assert {p.role for p in by_slug["roscosmos-cnsa-cooperation-program-2018-2022"].parties} == {
            models.PartyRoleEnum.PARTY
        }

        signed_on = by_slug["roscosmos-cnsa-cooperation-program-2018-2022"].signed_on
        assert isinstance(signed_on, models.PartialDate)
        assert signed_on.value == "2017-11"
        assert signed_on.precision == models.PrecisionEnum.MONTH
        assert (signed_on.start, signed_on.end) == (dt.date(2017, 11, 1), dt.date(2017, 11, 30))

        # Enum-list and person filters, through the plain ``sync``.
        page = agreements_list.sync(
            client=client,
            kind_in=[models.AgreementsListKindInItem.MEMORANDUM],
            signatory=["dmitry-rogozin"],
        )
        assert isinstance(page, models.PaginatedAgreementList)
        assert [a.slug for a in page.results] == [MOU]
        assert page.results[0].kind == models.AgreementKindEnum.MEMORANDUM
        assert page.results[0].signing_mode == models.SigningModeEnum.VIDEOCONFERENCE


def test_retrieve_agreement_by_slug(sdk, registry):
    agreements_retrieve = operation(sdk, "agreements", "agreements_retrieve")
    models = sdk.models

    with sdk.Client(base_url=registry, raise_on_unexpected_status=True) as client:
        agreement = agreements_retrieve.sync(MOU, client=client)
        assert isinstance(agreement, models.Agreement)
        assert agreement.slug == MOU
        assert agreement.status == models.AgreementStatusEnum.SIGNED
        assert isinstance(agreement.created, dt.datetime)
        assert agreement.created.tzinfo is not None
        assert isinstance(agreement.authorized_on, models.PartialDate)
        assert (agreement.authorized_on.value, agreement.authorized_on.precision) == ("2021-02-11", "day")
        assert agreement.valid_until is None

        signatories = {(s.person.slug, s.on_behalf_of.slug) for s in agreement.signatories}
        assert signatories == {("dmitry-rogozin", "government-of-russia"), ("zhang-kejian", "government-of-china")}
        assert all(isinstance(s, models.SignatoryInAgreement) for s in agreement.signatories)
        assert all(isinstance(s.person, models.BriefPerson) for s in agreement.signatories)
        assert all(isinstance(s.on_behalf_of, models.BriefOrganization) for s in agreement.signatories)
        roles = {(p.organization.slug, p.role) for p in agreement.parties}
        assert ("kremlin", models.PartyRoleEnum.AUTHORIZING_BODY) in roles

        missing = agreements_retrieve.sync_detailed("no-such-agreement", client=client)
        assert missing.status_code == 404
        assert isinstance(missing.parsed, models.Error)
        assert missing.parsed.code == "not_found"


def test_curator_creates_updates_and_links_an_organization(sdk, registry):
    organizations_create = operation(sdk, "organizations", "organizations_create")
    organizations_partial_update = operation(sdk, "organizations", "organizations_partial_update")
    parties_create = operation(sdk, "parties", "parties_create")
    agreements_retrieve = operation(sdk, "agreements", "agreements_retrieve")
    models = sdk.models
    _, key = make_role_user("curator")

    with sdk.AuthenticatedClient(base_url=registry, token=key, raise_on_unexpected_status=True) as client:
        created = organizations_create.sync_detailed(
            client=client,
            body=models.OrganizationRequest(
                slug=NEW_ORG,
                name="Lunar Station SDK Consortium",
                kind=models.OrganizationKindEnum.ALLIANCE,
                countries=[models.CountriesEnum.RU, models.CountriesEnum.CN],
                parent="government-of-russia",
                founded_on="2021-03",
                website="https://example.org/",
            ),
        )
        assert created.status_code == 201, created.content
        organization = created.parsed
        assert isinstance(organization, models.Organization)
        assert organization.slug == NEW_ORG
        assert organization.kind == models.OrganizationKindEnum.ALLIANCE
        assert sorted(organization.countries) == [models.CountriesEnum.CN, models.CountriesEnum.RU]
        assert isinstance(organization.parent, models.BriefOrganization)
        assert organization.parent.slug == "government-of-russia"
        assert isinstance(organization.founded_on, models.PartialDate)
        assert (organization.founded_on.value, organization.founded_on.precision) == ("2021-03", "month")

        created_tag = created.headers["ETag"]
        updated = organizations_partial_update.sync_detailed(
            NEW_ORG,
            client=client,
            body=models.PatchedOrganizationRequest(short_name="LSSC", founded_on=None),
            if_match=created_tag,
        )
        assert updated.status_code == 200, updated.content
        assert updated.headers["ETag"] != created_tag
        # The tag the first write consumed is stale now: a second writer holding it is refused.
        stale = organizations_partial_update.sync_detailed(
            NEW_ORG, client=client, body=models.PatchedOrganizationRequest(short_name="LOST"), if_match=created_tag
        )
        assert stale.status_code == 412
        assert isinstance(stale.parsed, models.Error)
        assert (stale.parsed.code, [e.field for e in stale.parsed.errors]) == ("precondition_failed", ["If-Match"])
        assert isinstance(updated.parsed, models.Organization)
        assert updated.parsed.short_name == "LSSC"
        assert updated.parsed.founded_on is None
        assert updated.parsed.name == "Lunar Station SDK Consortium"
        assert updated.parsed.parent.slug == "government-of-russia"

        party = parties_create.sync_detailed(
            client=client,
            body=models.AgreementPartyRequest(
                agreement=MOU, organization=NEW_ORG, role=models.PartyRoleEnum.AUTHORIZING_BODY
            ),
        )
        assert party.status_code == 201, party.content
        assert isinstance(party.parsed, models.AgreementParty)
        assert party.parsed.agreement.slug == MOU
        assert party.parsed.organization.slug == NEW_ORG
        assert party.parsed.role == models.PartyRoleEnum.AUTHORIZING_BODY

    row = Organization.objects.get(slug=NEW_ORG)
    assert (row.name, row.short_name, row.kind) == ("Lunar Station SDK Consortium", "LSSC", "alliance")
    assert row.parent.slug == "government-of-russia"
    assert sorted(country.code for country in row.countries) == ["CN", "RU"]
    assert row.founded_on is None
    assert row.founded_on_precision == ""
    assert AgreementParty.objects.filter(
        agreement__slug=MOU, organization=row, role=AgreementParty.Role.AUTHORIZING_BODY
    ).exists()

    with sdk.Client(base_url=registry, raise_on_unexpected_status=True) as client:
        agreement = agreements_retrieve.sync(MOU, client=client)
    assert (NEW_ORG, models.PartyRoleEnum.AUTHORIZING_BODY) in {
        (p.organization.slug, p.role) for p in agreement.parties
    }


def test_errors_come_back_as_the_typed_error_model(sdk, registry):
    agreements_list = operation(sdk, "agreements", "agreements_list")
    organizations_create = operation(sdk, "organizations", "organizations_create")
    models = sdk.models

    # An unknown query parameter: the generated function has no argument for it, so it rides
    # along as a default parameter of the underlying httpx client.
    with sdk.Client(base_url=registry, httpx_args={"params": {"colour": "red"}}) as client:
        response = agreements_list.sync_detailed(client=client, party=["roscosmos"])
    assert response.status_code == 400
    error = response.parsed
    assert isinstance(error, models.Error)
    assert (error.status, error.code) == (400, "unknown_parameter")
    assert "colour" in error.detail
    assert [(e.field, e.code) for e in error.errors] == [("colour", "unknown_parameter")]
    assert all(isinstance(e, models.FieldError) for e in error.errors)

    # An invalid body, sent with the ``Token`` prefix this time.
    _, key = make_role_user("curator")
    with sdk.AuthenticatedClient(base_url=registry, token=key, prefix="Token") as client:
        response = organizations_create.sync_detailed(
            client=client,
            body=models.OrganizationRequest(
                slug="Not A Slug!", name="Broken", kind=models.OrganizationKindEnum.COMPANY, founded_on="2021-13"
            ),
        )
    assert response.status_code == 400, response.content
    error = response.parsed
    assert isinstance(error, models.Error)
    assert error.status == 400
    assert {e.field for e in error.errors} >= {"slug", "founded_on"}
    assert not Organization.objects.filter(name="Broken").exists()

    # Writing without a role that allows it.
    _, reader_key = make_role_user("reader")
    with sdk.AuthenticatedClient(base_url=registry, token=reader_key) as client:
        response = organizations_create.sync_detailed(
            client=client,
            body=models.OrganizationRequest(slug="reader-org", name="Reader", kind=models.OrganizationKindEnum.COMPANY),
        )
    assert response.status_code == 403, response.content
    assert isinstance(response.parsed, models.Error)
    assert response.parsed.status == 403


READ_OPERATIONS = [
    ("agreements", "agreements_list"),
    ("agreements", "agreements_retrieve"),
    ("organizations", "organizations_list"),
    ("organizations", "organizations_retrieve"),
]


@pytest.mark.parametrize(("tag", "operation_id"), READ_OPERATIONS)
def test_reads_work_with_an_anonymous_client_and_a_token_client(sdk, registry, tag, operation_id):
    """Reads declare their security as optional (``[{tokenAuth: []}, {cookieAuth: []}, {}]``).

    openapi-python-client types an operation with any security entry as taking an
    ``AuthenticatedClient``; at run time a plain ``Client`` (no credentials) reads as well.
    """
    module = operation(sdk, tag, operation_id)
    args = () if operation_id.endswith("_list") else ((MOU,) if tag == "agreements" else ("roscosmos",))
    _, key = make_role_user("reader")
    clients = (sdk.Client(base_url=registry), sdk.AuthenticatedClient(base_url=registry, token=key, prefix="Token"))
    for client in clients:
        with client:
            response = module.sync_detailed(*args, client=client)
        assert response.status_code == 200, (type(client).__name__, response.content)
        assert response.parsed is not None and not isinstance(
            response.parsed, importlib.import_module(f"{sdk.__name__}.models").Error
        )


def test_detail_responses_have_no_undocumented_fields(sdk, registry):
    agreements_list = operation(sdk, "agreements", "agreements_list")
    agreements_retrieve = operation(sdk, "agreements", "agreements_retrieve")
    organizations_retrieve = operation(sdk, "organizations", "organizations_retrieve")

    with sdk.Client(base_url=registry, raise_on_unexpected_status=True) as client:
        agreement = agreements_retrieve.sync(MOU, client=client)
        organization = organizations_retrieve.sync("roscosmos", client=client)
        expand = importlib.import_module(f"{sdk.__name__}.models").AgreementsListExpandItem
        expanded = agreements_list.sync(client=client, slug=MOU, expand=[expand.LABELS, expand.CITATIONS])
    undocumented = {
        "Agreement (detail)": sorted(agreement.additional_properties),
        "Organization (detail)": sorted(organization.additional_properties),
        "Agreement (list, expand=labels,citations)": sorted(expanded.results[0].additional_properties),
    }
    assert not any(undocumented.values()), f"fields missing from the schema: {undocumented}"
