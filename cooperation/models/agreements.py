"""Agreements, their parties and signatories, and typed links between agreements."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, ProtectedError, Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cooperation.models.base import RegistryModel, SluggedModel
from cooperation.models.organizations import Organization, Person, check_range, range_not_reversed
from cooperation.partial_dates import partial_date_constraints, partial_date_fields, timeline_index
from cooperation.search_text import SearchableModel


class Agreement(SearchableModel, SluggedModel):
    """An agreement, memorandum, cooperation program, accords or protocol."""

    search_fields = ("title", "short_title", "slug")

    class Kind(models.TextChoices):
        AGREEMENT = "agreement", _("agreement")
        MEMORANDUM = "memorandum", _("memorandum of understanding")
        AGREEMENT_OF_INTENT = "agreement_of_intent", _("agreement of intent")
        COOPERATION_PROGRAM = "cooperation_program", _("cooperation program")
        FRAMEWORK_AGREEMENT = "framework_agreement", _("framework agreement")
        ACCORDS = "accords", _("accords")
        PROTOCOL = "protocol", _("protocol")
        JOINT_STATEMENT = "joint_statement", _("joint statement")

    class Status(models.TextChoices):
        AUTHORIZED = "authorized", _("authorized, not yet signed")
        SIGNED = "signed", _("signed")
        IN_FORCE = "in_force", _("in force")
        EXPIRED = "expired", _("expired")
        TERMINATED = "terminated", _("terminated")
        WITHDRAWN = "withdrawn", _("withdrawn from")

    class SigningMode(models.TextChoices):
        IN_PERSON = "in_person", _("in person")
        VIDEOCONFERENCE = "videoconference", _("videoconference")
        EXCHANGE_OF_NOTES = "exchange_of_notes", _("exchange of notes")

    title = models.CharField(_("title"), max_length=400, db_index=True)
    short_title = models.CharField(_("short title"), max_length=120, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, db_index=True)
    authorized_on, authorized_on_precision, authorized_on_end = partial_date_fields(_("authorized on"))
    signed_on, signed_on_precision, signed_on_end = partial_date_fields(_("signed on"))
    signed_place = models.CharField(
        _("signed place"), max_length=200, blank=True, help_text=_("City where it was signed, e.g. Tokyo.")
    )
    signing_mode = models.CharField(_("signing mode"), max_length=20, choices=SigningMode.choices, blank=True)
    signing_event = models.CharField(
        _("signing event"),
        max_length=300,
        blank=True,
        help_text=_("The occasion, e.g. the 22nd meeting of the heads of government."),
    )
    forum = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements_signed_at",
        limit_choices_to={"kind": Organization.Kind.FORUM},
        verbose_name=_("forum"),
        help_text=_("The forum at which it was signed, if any."),
    )
    entered_into_force_on, entered_into_force_on_precision, entered_into_force_on_end = partial_date_fields(
        _("entered into force on")
    )
    entry_into_force_condition = models.CharField(_("entry into force condition"), max_length=300, blank=True)
    valid_from, valid_from_precision, valid_from_end = partial_date_fields(_("valid from"))
    valid_until, valid_until_precision, valid_until_end = partial_date_fields(_("valid until"))
    summary = models.TextField(_("summary"), blank=True)
    topics = models.JSONField(
        _("topics"), default=list, blank=True, help_text=_("Sections or subjects, as a list of strings.")
    )
    parties = models.ManyToManyField(
        Organization, through="AgreementParty", related_name="agreements", verbose_name=_("parties")
    )
    missions = models.ManyToManyField(
        "Mission", through="AgreementMission", related_name="agreements", verbose_name=_("missions")
    )

    class Meta:
        ordering = ["signed_on", "slug"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        indexes = [
            # The list's default ordering, whole: a page at any offset or cursor reads this index alone
            # (index-only), where the index of signed_on alone needed each row and a sort of its ties.
            models.Index(fields=["signed_on", "slug", "id"], name="agreement_list_order"),
            timeline_index("authorized_on", "agreement_authorized_timeline"),
            timeline_index("signed_on", "agreement_signed_timeline"),
            timeline_index("entered_into_force_on", "agreement_in_force_timeline"),
            timeline_index("valid_until", "agreement_expires_timeline"),
        ]
        constraints = [
            *partial_date_constraints("authorized_on"),
            *partial_date_constraints("signed_on"),
            *partial_date_constraints("entered_into_force_on"),
            *partial_date_constraints("valid_from"),
            *partial_date_constraints("valid_until"),
            range_not_reversed("valid_from", "valid_until", "validity_not_reversed"),
            range_not_reversed("signed_on", "entered_into_force_on", "force_not_before_signing"),
            range_not_reversed("authorized_on", "signed_on", "signing_not_before_authorization"),
        ]

    display_fields = ("title", "short_title", "signed_on", "signed_on_precision")  # what __str__ reads

    def __str__(self) -> str:
        date = self.get_partial_date("signed_on")
        return f"{self.short_title or self.title}" + (f" ({date})" if date else "")

    def clean(self) -> None:
        super().clean()
        check_range(self, "valid_from", "valid_until")
        check_range(self, "signed_on", "entered_into_force_on")
        check_range(self, "authorized_on", "signed_on")
        if not isinstance(self.topics, list) or not all(isinstance(t, str) for t in self.topics):
            raise ValidationError({"topics": gettext("Topics must be a list of strings.")})


class AgreementParty(RegistryModel):
    """An organization bound by (or authorizing) an agreement."""

    class Role(models.TextChoices):
        PARTY = "party", _("party")
        AUTHORIZING_BODY = "authorizing_body", _("authorizing body")

    natural_key_fields = ("agreement__slug", "organization__slug", "role")

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="party_links", verbose_name=_("agreement")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="party_links", verbose_name=_("organization")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.PARTY, db_index=True)
    withdrawn_on, withdrawn_on_precision, withdrawn_on_end = partial_date_fields(_("withdrawn on"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["agreement", "role", "organization__name", "id"]
        verbose_name = _("agreement party")
        verbose_name_plural = _("agreement parties")
        indexes = [
            timeline_index("withdrawn_on", "party_withdrawn_timeline"),
        ]
        constraints = [
            *partial_date_constraints("withdrawn_on"),
            models.UniqueConstraint(
                fields=["agreement", "organization", "role"], name="%(app_label)s_%(class)s_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name_of('organization')} ({self.get_role_display()}) in {self.name_of('agreement')}"

    def delete(self, *args, **kwargs):
        stranded = self.stranded_signatories(without_self=True)
        if stranded:
            message = gettext("Cannot remove %(organization)s as a party: signatories act for it. Remove them first.")
            raise ProtectedError(message % {"organization": self.organization}, set(stranded))
        return super().delete(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self.pk is None:
            return
        stranded = self.stranded_signatories(without_self=True, replacement=self)
        if stranded:
            names = ", ".join(str(s.person) for s in stranded)
            message = gettext("Signatories act for this party (%(names)s); change or remove them first.")
            raise ValidationError(message % {"names": names})

    def stranded_signatories(self, *, without_self: bool, replacement: AgreementParty | None = None) -> list:
        """Signatories of the agreement no party link would cover if this link changed (or went away)."""
        links = AgreementParty.objects.filter(agreement_id=self.agreement_id, role=self.Role.PARTY)
        if without_self:
            links = links.exclude(pk=self.pk)
        party_ids = set(links.values_list("organization_id", flat=True))
        if replacement is not None and replacement.role == self.Role.PARTY:
            party_ids.add(replacement.organization_id)
        stranded = []
        for signatory in Signatory.objects.filter(agreement_id=self.agreement_id).select_related("on_behalf_of"):
            try:
                signatory.check_on_behalf_of(party_ids)
            except ValidationError:
                stranded.append(signatory)
        return stranded


class Signatory(RegistryModel):
    """A person who signed an agreement on behalf of an organization."""

    natural_key_fields = ("agreement__slug", "person__slug", "on_behalf_of__slug")

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="signatories", verbose_name=_("agreement")
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="signatures", verbose_name=_("person"))
    on_behalf_of = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="signatures", verbose_name=_("on behalf of")
    )
    title = models.CharField(
        pgettext_lazy("job title", "title"),
        max_length=200,
        blank=True,
        db_index=True,
        help_text=_("The title the person held when signing."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["agreement", "id"]
        verbose_name = _("signatory")
        verbose_name_plural = _("signatories")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "person", "on_behalf_of"], name="%(app_label)s_%(class)s_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name_of('person')} for {self.name_of('on_behalf_of')} ({self.name_of('agreement')})"

    def clean(self) -> None:
        super().clean()
        if self.on_behalf_of_id is None:
            return
        # A form saving parties and signatories together tells us the parties it is about to save.
        party_ids = getattr(self, "pending_party_ids", None)
        if party_ids is None:
            if self.agreement_id is None:
                return
            party_ids = set(
                self.agreement.party_links.filter(role=AgreementParty.Role.PARTY).values_list(
                    "organization_id", flat=True
                )
            )
        self.check_on_behalf_of(party_ids)

    def check_on_behalf_of(self, party_ids: set[int]) -> None:
        """Reject an organization that is neither a party nor part of one."""
        org = self.on_behalf_of
        if org.pk in party_ids or any(a.pk in party_ids for a in org.ancestors()):
            return
        message = gettext(
            "%(organization)s is not a party to this agreement, nor part of one. Add it as a party first."
        )
        raise ValidationError({"on_behalf_of": message % {"organization": org}})


class AgreementRelation(RegistryModel):
    """A typed link: ``from_agreement`` *follows up* / *implements* / ... ``to_agreement``."""

    class Kind(models.TextChoices):
        FOLLOWS_UP = "follows_up", _("follows up")
        IMPLEMENTS = "implements", _("implements")
        AUTHORIZES = "authorizes", _("authorizes")
        SUPERSEDES = "supersedes", _("supersedes")
        AMENDS = "amends", _("amends")
        WITHDRAWAL = "withdrawal", _("withdraws from")

    natural_key_fields = ("from_agreement__slug", "to_agreement__slug", "kind")

    from_agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="relations_from", verbose_name=_("from agreement")
    )
    to_agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="relations_to", verbose_name=_("to agreement")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["from_agreement", "kind", "id"]
        verbose_name = _("agreement relation")
        verbose_name_plural = _("agreement relations")
        constraints = [
            models.UniqueConstraint(
                fields=["from_agreement", "to_agreement", "kind"], name="%(app_label)s_%(class)s_unique"
            ),
            models.CheckConstraint(
                condition=~Q(from_agreement=F("to_agreement")), name="%(app_label)s_%(class)s_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name_of('from_agreement')} {self.get_kind_display()} {self.name_of('to_agreement')}"

    def clean(self) -> None:
        super().clean()
        if self.from_agreement_id and self.from_agreement_id == self.to_agreement_id:
            raise ValidationError({"to_agreement": gettext("An agreement cannot be related to itself.")})


class AgreementMission(RegistryModel):
    """A mission an agreement is about, with the agreement's role towards it."""

    class Role(models.TextChoices):
        COOPERATION = "cooperation", _("provides for cooperation on")
        COORDINATION = "coordination", _("coordinates")
        ESTABLISHMENT = "establishment", _("establishes")
        PARTICIPATION = "participation", _("governs participation in")

    natural_key_fields = ("agreement__slug", "mission__slug", "role")

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="mission_links", verbose_name=_("agreement")
    )
    mission = models.ForeignKey(
        "Mission", on_delete=models.PROTECT, related_name="agreement_links", verbose_name=_("mission")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, db_index=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["agreement", "mission__name", "id"]
        verbose_name = _("agreement mission")
        verbose_name_plural = _("agreement missions")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "mission", "role"], name="%(app_label)s_%(class)s_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name_of('agreement')} {self.get_role_display()} {self.name_of('mission')}"


__all__ = [
    "Agreement",
    "AgreementMission",
    "AgreementParty",
    "AgreementRelation",
    "Signatory",
    "range_not_reversed",
]
