"""The API's write endpoints, for members with an API key: suggestions for everyone,
direct edits for representatives and moderators — the same rules and validation as the forms."""

from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited
from ninja import Router
from ninja.errors import HttpError
from ninja.responses import Status
from ninja.security import HttpBearer

from essaim.accounts.actions import do_use_api_key
from essaim.accounts.models import User
from essaim.atlas import actions as atlas_actions
from essaim.atlas.facts import facts_of
from essaim.atlas.models import Organisation
from essaim.atlas.models import Status as EntryStatus
from essaim.contributions import actions
from essaim.contributions.forms import OrganisationForm
from essaim.exchange.records import records_for

from . import schemas
from .organisations import router as organisations_router

WRITES_PER_HOUR = "120/h"


class ApiKey(HttpBearer):
    """`Authorization: Bearer <key>`, a key created on the member's account page."""

    def authenticate(self, request, token) -> User | None:
        user = do_use_api_key(token)
        if user is not None:
            request.user = user
        return user


router = Router(tags=["contributions"], auth=ApiKey())
# Edits share their paths with the reading endpoints, so they join that router.
api_key = ApiKey()


class InvalidFacts(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors


def _check_rate(request) -> None:
    if is_ratelimited(
        request, group="api-writes", key="user", rate=WRITES_PER_HOUR, increment=True
    ):
        raise HttpError(429, _("Too many writes with this key: try again in an hour."))


def _validated_facts(org: Organisation | None, facts: dict) -> dict:
    """The facts of `org` with `facts` applied, validated by the same form as the pages."""
    current = facts_of(org) if org else {"original_language": translation.get_language()}
    data = {**current, **facts}
    if isinstance(data.get("languages"), list):
        data["languages"] = ", ".join(data["languages"])
    form = OrganisationForm(data, instance=org)
    unknown = sorted(set(facts) - set(form.fields))
    if unknown:
        raise InvalidFacts({name: [_("Unknown field.")] for name in unknown})
    if not form.is_valid():
        raise InvalidFacts(
            {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        )
    return form.facts()


@router.post(
    "/suggestions",
    response={
        201: schemas.SuggestionOut,
        400: schemas.FormErrors,
        401: schemas.Error,
        404: schemas.Error,
    },
    url_name="suggestions",
    summary="Suggest an organisation or a correction",
)
def suggest(request, payload: schemas.SuggestionIn) -> Status:
    """A suggestion, reviewed by a moderator before it is published, as from the form."""
    _check_rate(request)
    org = None
    if payload.organisation is not None:
        org = get_object_or_404(
            Organisation.objects.exclude(status=EntryStatus.HIDDEN), pk=payload.organisation
        )
    try:
        suggestion, created = actions.do_submit_suggestion(
            org,
            _validated_facts(org, payload.facts),
            author=request.user,
            comment=payload.comment,
            language=translation.get_language(),
        )
    except actions.NothingChanged as unchanged:
        raise InvalidFacts({"__all__": [_("You have not changed anything.")]}) from unchanged
    return Status(201, {"id": suggestion.pk, "status": suggestion.status, "created": created})


@organisations_router.patch(
    "/organisations/{organisation_id}",
    auth=api_key,
    response={
        200: schemas.Organisation,
        400: schemas.FormErrors,
        401: schemas.Error,
        403: schemas.Error,
        404: schemas.Error,
    },
    url_name="organisation_edit",
    summary="Edit an organisation (its representatives, moderators)",
)
def edit(request, organisation_id: schemas.RecordId, payload: schemas.FactsIn) -> dict:
    """Published at once, and kept in the organisation's history."""
    _check_rate(request)
    org = actions.access_organisation_to_edit(request.user, organisation_id)
    actions.do_edit_organisation(request.user, org, _validated_facts(org, payload.facts))
    return records_for([org.pk])[0]


@organisations_router.post(
    "/organisations",
    auth=api_key,
    response={
        201: schemas.Organisation,
        400: schemas.FormErrors,
        401: schemas.Error,
        403: schemas.Error,
    },
    url_name="organisation_create",
    summary="Create an organisation (moderators)",
)
def create(request, payload: schemas.FactsIn) -> Status:
    """Moderators only; members send a suggestion instead."""
    _check_rate(request)
    if not request.user.can_moderate:
        raise HttpError(403, _("Only moderators create organisations; send a suggestion."))
    org = atlas_actions.do_apply_facts(
        None, _validated_facts(None, payload.facts), author=request.user
    )
    return Status(201, records_for([org.pk])[0])
