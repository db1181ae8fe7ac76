"""The observatory's addresses, inside the language prefix, under /observatory/."""

from django.urls import path

from . import survey_views, views

urlpatterns = [
    path("", views.home, name="observatory"),
    path("indicators/new/", views.indicator_form, name="observatory-indicator-new"),
    path("indicators/<slug:code>/", views.indicator_detail, name="observatory-indicator"),
    path("indicators/<slug:code>.csv", views.indicator_csv, name="observatory-indicator-csv"),
    path("indicators/<slug:code>/edit/", views.indicator_form, name="observatory-indicator-edit"),
    path("indicators/<slug:code>/add/", views.observation_form, name="observatory-observation"),
    path("import/", views.import_observations, name="observatory-import"),
    path(
        "territories/<slug:scheme>/<str:code>/",
        views.territory_detail,
        name="observatory-territory",
    ),
    path("goals/new/", views.goal_form, name="observatory-goal-new"),
    path("goals/<id:pk>/", views.goal_detail, name="observatory-goal"),
    path("goals/<id:pk>/edit/", views.goal_form, name="observatory-goal-edit"),
    path("goals/<id:pk>.csv", views.goal_csv, name="observatory-goal-csv"),
    path("atlas/", views.atlas_counts, name="observatory-counts"),
    path("atlas/record/", views.record_counts, name="observatory-record-counts"),
    path("impact/", views.impact, name="observatory-impact"),
    path("impact/review/", views.review_statements, name="observatory-review"),
    path("events/<id:pk>/feedback/", views.event_feedback, name="observatory-event-feedback"),
    path("surveys/", survey_views.surveys, name="observatory-surveys"),
    path("surveys/new/", survey_views.survey_form, name="observatory-survey-new"),
    path("surveys/<id:pk>/", survey_views.survey_detail, name="observatory-survey"),
    path("surveys/<id:pk>/edit/", survey_views.survey_form, name="observatory-survey-edit"),
    path("surveys/<id:pk>/step/", survey_views.survey_step, name="observatory-survey-step"),
    path(
        "surveys/<id:pk>/questions/new/",
        survey_views.question_form,
        name="observatory-question-new",
    ),
    path(
        "surveys/<id:pk>/questions/<id:question>/",
        survey_views.question_form,
        name="observatory-question",
    ),
    path(
        "surveys/<id:pk>/questions/<id:question>/remove/",
        survey_views.question_remove,
        name="observatory-question-remove",
    ),
    path("surveys/<id:pk>/results/", survey_views.results, name="observatory-survey-results"),
    path(
        "surveys/<id:pk>/results.csv",
        survey_views.results_csv,
        name="observatory-survey-results-csv",
    ),
    path(
        "surveys/<id:pk>/datapackage.json",
        survey_views.datapackage,
        name="observatory-survey-datapackage",
    ),
    path("answer/<str:token>/", survey_views.answer, name="observatory-answer"),
]
