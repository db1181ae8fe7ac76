"""Needs and offers of help, inside the language prefix, under /help/."""

from django.urls import path

from . import programme_views, views

urlpatterns = [
    path("", views.board, name="help-needs"),
    path("open-needs.csv", views.counts_csv, name="help-needs-csv"),
    path("needs/new/", views.need_new, name="help-need-new"),
    path("needs/<id:pk>/", views.need_detail, name="help-need"),
    path("needs/<id:pk>/edit/", views.need_edit, name="help-need-edit"),
    path("needs/<id:pk>/state/", views.need_state, name="help-need-state"),
    path("needs/<id:pk>/ask/", views.ask, name="help-ask"),
    path("volunteer/", views.profile_edit, name="help-profile"),
    path("volunteer/visibility/", views.profile_visibility, name="help-profile-visibility"),
    path("volunteer/needs/", views.for_me, name="help-for-me"),
    path("requests/", views.contacts, name="help-contacts"),
    path("requests/<id:pk>/", views.contact_detail, name="help-contact"),
    path("answer/<str:token>/", views.answer_by_link, name="help-answer"),
    path("weights/", programme_views.weights_page, name="help-weights"),
    path("programmes/", programme_views.programmes, name="help-programmes"),
    path("programmes/<id:pk>/", programme_views.programme, name="help-programme"),
    path(
        "programmes/<id:pk>/rank/<id:participant>/", programme_views.rank, name="help-rank"
    ),  # fmt: skip
]
