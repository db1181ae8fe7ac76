"""An organisation's digital maturity diagnostic: its respondents' answers, one result.

A `Diagnostic` is one taking of the questionnaire, by an organisation's board, staff and
volunteers (or by someone on their own, before any organisation is named); each `Response` is
one respondent's answers, reached by its signed link and kept private. Taken again later, the
new diagnostic names the one before (`previous`), against which progress is measured. Nobody
but its respondents and the organisation's representatives sees it, until a representative
shares it with the network (`shared_at`), where it only ever counts within groups of five.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from essaim.atlas.models import LegalForm, Organisation


class Diagnostic(models.Model):
    questionnaire = models.CharField(_("questionnaire"), max_length=40)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="diagnostics",
        verbose_name=_("organisation"),
    )
    # The diagnostic this one takes again: "since last time" compares with it.
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("taken again from"),
    )
    # Where it stands and what it is, while no organisation says it: the plan's place and the
    # funding calls it can answer.
    locality = models.CharField(_("town"), max_length=120, blank=True)
    country = CountryField(_("country"), blank=True)
    legal_form = models.ForeignKey(
        LegalForm,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("legal form"),
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    shared_at = models.DateTimeField(_("shared with the network"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("diagnostic")
        verbose_name_plural = _("diagnostics")

    def __str__(self) -> str:
        return f"{self.organisation or '—'} {self.created_at:%Y-%m-%d}"


class Response(models.Model):
    class Role(models.TextChoices):
        BOARD = "board", _("Board member or elected officer")
        STAFF = "staff", _("Employee")
        VOLUNTEER = "volunteer", _("Volunteer")
        OTHER = "other", _("Other")

    diagnostic = models.ForeignKey(
        Diagnostic,
        on_delete=models.CASCADE,
        related_name="responses",
        verbose_name=_("diagnostic"),
    )
    # A member who answered signed in; nobody's name or address is kept otherwise.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="diagnostic_responses",
        verbose_name=_("member"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, blank=True)
    # Question code → the level chosen (0–3) or "?" for "don't know".
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    # The codes of the big platforms' tools the organisation uses (commons.Tool slugs).
    tools = models.JSONField(_("tools used"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last saved"), auto_now=True)
    submitted_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        constraints = [
            models.UniqueConstraint(
                fields=["diagnostic", "user"], name="one_response_per_member_and_diagnostic"
            )
        ]

    def __str__(self) -> str:
        return f"{self.diagnostic_id}/{self.pk}"
