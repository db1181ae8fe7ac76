"""The commons' addresses, inside the language prefix."""

from django.urls import path

from . import views
from .formats import OpportunityFeed, ResourceFeed
from .models import Event, Opportunity, Resource

urlpatterns = [
    path("resources/", views.resources, name="resources"),
    path("resources/feed.atom", ResourceFeed(), name="resources-feed"),
    path("resources/alternatives/", views.alternatives, name="alternatives"),
    path("resources/new/", views.contribute, {"model": Resource}, name="resource-new"),
    path("resources/<id:pk>/<slug:slug>/", views.resource_detail, name="resource"),
    path(
        "resources/<id:pk>/<slug:slug>/edit/",
        views.contribute,
        {"model": Resource},
        name="resource-edit",
    ),
    path("events/", views.events, name="events"),
    path("events/past/", views.events, {"past": True}, name="events-past"),
    path("events/calendar.ics", views.events_ics, name="events-ics"),
    path("events/new/", views.contribute, {"model": Event}, name="event-new"),
    path(
        "events/registrations/<str:token>/cancel/",
        views.cancel_registration,
        name="registration-cancel",
    ),
    path("events/<id:pk>/<slug:slug>/", views.event_detail, name="event"),
    path("events/<id:pk>/<slug:slug>/event.ics", views.event_ics, name="event-ics"),
    path("events/<id:pk>/<slug:slug>/register/", views.register, name="event-register"),
    path(
        "events/<id:pk>/<slug:slug>/registrations/",
        views.registrations,
        name="event-registrations",
    ),
    path(
        "events/<id:pk>/<slug:slug>/registrations.csv",
        views.registrations_csv,
        name="event-registrations-csv",
    ),
    path(
        "events/<id:pk>/<slug:slug>/edit/", views.contribute, {"model": Event}, name="event-edit"
    ),  # fmt: skip
    path("opportunities/", views.opportunities, name="opportunities"),
    path("opportunities/feed.atom", OpportunityFeed(), name="opportunities-feed"),
    path("opportunities/saved/", views.saved_searches, name="saved-searches"),
    path("opportunities/new/", views.contribute, {"model": Opportunity}, name="opportunity-new"),
    path("opportunities/<id:pk>/<slug:slug>/", views.opportunity_detail, name="opportunity"),
    path(
        "opportunities/<id:pk>/<slug:slug>/edit/",
        views.contribute,
        {"model": Opportunity},
        name="opportunity-edit",
    ),
    path(
        "atlas/<id:pk>/<slug:slug>/events.ics", views.organisation_ics, name="organisation-ics"
    ),  # fmt: skip
    path("moderation/commons/<str:kind>/<id:pk>/", views.moderate, name="moderate-commons"),
]
