"""Needs of help and the volunteers who offer it, read-only; and, with a key, the suggestions
for one's own organisation's needs. Nobody's address, phone or exact hours are given: they are
exchanged on the site once a request is accepted."""

from datetime import date, datetime
from typing import Literal

from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Query, Router
from pydantic import Field

from essaim.exchange.records import organisation_url, public_url
from essaim.matching.actions import check_manage_need
from essaim.matching.models import Kind, Need, Profile, hours_band
from essaim.matching.suggestions import offers_for

from .contributions import api_key
from .pages import Page, page_of
from .schemas import Error, RecordId, Schema

router = Router(tags=["needs and offers"])
PAGE_SIZE = 50


class NeedRecord(Schema):
    id: int
    url: str
    title: str
    description: str
    language: str
    organisation: str
    organisation_url: str
    kind: str = Field(description="volunteering, skills, mentoring, internship, service, "
                                  "equipment")  # fmt: skip
    where: str = Field(description="on_site, remote or either")
    locality: str
    region: str
    country: str
    languages: list[str]
    hours_per_week: int | None
    competences: list[str] = Field(description="DigComp competences, by key (/competences).")
    services: list[str] = Field(description="Kinds of help, by the atlas's service codes.")
    skills: list[str]
    starts_on: date | None
    ends_on: date | None
    deadline: date | None
    posted_at: datetime


class VolunteerRecord(Schema):
    id: int
    name: str
    presentation: str
    language: str
    kinds: list[str]
    locality: str
    country: str
    remote: bool
    radius_km: int
    languages: list[str]
    time: str = Field(description="A range, never the exact hours.")
    competences: dict[str, int] = Field(description="Competence key → DigComp level (1–8).")
    skills: list[str]


class NeedPage(Page):
    results: list[NeedRecord]


class VolunteerPage(Page):
    results: list[VolunteerRecord]


class PartRecord(Schema):
    side: str = Field(description="need (for the organisation) or offer (for the helper)")
    code: str
    value: float = Field(description="0–1")
    weight: float
    words: str
    missing: bool


class SuggestionRecord(Schema):
    kind: str = Field(description="volunteer or provider")
    id: int
    name: str
    score: int = Field(description="0–100: the harmonic mean of both sides' fit.")
    parts: list[PartRecord]


class NeedFilter(Schema):
    kind: Literal[tuple(Kind.values)] | None = None  # type: ignore[valid-type]
    country: str | None = Field(None, max_length=2)
    page: int = Field(1, ge=1, le=10_000)


class VolunteerFilter(Schema):
    page: int = Field(1, ge=1, le=10_000)


def _need(need: Need) -> dict:
    return {
        "id": need.pk,
        "url": public_url(reverse("help-need", args=[need.pk])),
        "title": need.title,
        "description": need.description,
        "language": need.language,
        "organisation": need.organisation.name,
        "organisation_url": organisation_url(need.organisation_id, need.organisation.name),
        "kind": need.kind,
        "where": need.where,
        "locality": need.locality,
        "region": need.region,
        "country": str(need.country or ""),
        "languages": need.languages,
        "hours_per_week": need.hours_per_week,
        "competences": [c.key for c in need.competences.all()],
        "services": [s.code for s in need.services.all()],
        "skills": need.skills,
        "starts_on": need.starts_on,
        "ends_on": need.ends_on,
        "deadline": need.deadline,
        "posted_at": need.created_at,
    }


def _volunteer(profile: Profile) -> dict:
    return {
        "id": profile.pk,
        "name": profile.name,
        "presentation": profile.presentation,
        "language": profile.language,
        "kinds": profile.kinds,
        "locality": profile.locality,
        "country": str(profile.country or ""),
        "remote": profile.remote,
        "radius_km": profile.radius_km,
        "languages": profile.languages,
        "time": hours_band(profile.hours_per_week),
        "competences": {c.competence.key: c.level for c in profile.competences.all()},
        "skills": profile.skills,
    }


def _page(request, items, page: int, record) -> dict:
    return page_of(request, items, page, PAGE_SIZE, record)


@router.get("/needs", response={200: NeedPage, 400: Error}, url_name="api-needs",
            summary="Open needs of help")  # fmt: skip
def needs(request, filters: Query[NeedFilter]) -> dict:
    found = (
        Need.objects.open()
        .select_related("organisation")
        .prefetch_related("competences", "services")
    )
    if filters.kind:
        found = found.filter(kind=filters.kind)
    if filters.country:
        found = found.filter(country=filters.country.upper())
    return _page(request, found, filters.page, _need)


@router.get("/needs/{need_id}", response={200: NeedRecord, 400: Error, 404: Error},
            url_name="api-need", summary="One open need")  # fmt: skip
def need(request, need_id: RecordId) -> dict:
    return _need(get_object_or_404(Need.objects.open(), pk=need_id))


@router.get("/volunteers", response={200: VolunteerPage, 400: Error},
            url_name="api-volunteers", summary="Published volunteers' profiles")  # fmt: skip
def volunteers(request, filters: Query[VolunteerFilter]) -> dict:
    found = Profile.objects.filter(published_at__isnull=False, paused=False).prefetch_related(
        "competences__competence"
    )
    return _page(request, found, filters.page, _volunteer)


@router.get("/needs/{need_id}/suggestions", auth=api_key,
            response={200: list[SuggestionRecord], 400: Error, 401: Error, 403: Error,
                      404: Error},
            url_name="api-need-suggestions",
            summary="The best offers for one of your organisation's needs")  # fmt: skip
def suggestions(request, need_id: RecordId) -> list[dict]:
    found = get_object_or_404(Need.objects.open().select_related("organisation"), pk=need_id)
    check_manage_need(request.user, found.organisation)
    return [
        {
            "kind": "provider" if m.offer.kind == "provider" else "volunteer",
            "id": m.offer.pk,
            "name": m.offer.name,
            "score": m.score,
            "parts": [
                {
                    "side": p.side,
                    "code": p.code,
                    "value": round(p.value, 3),
                    "weight": p.weight,
                    "words": p.words,
                    "missing": p.missing,
                }  # fmt: skip
                for p in m.parts
            ],
        }
        for m in offers_for(found)
    ]
