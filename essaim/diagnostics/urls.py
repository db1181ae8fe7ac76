"""The diagnostic's addresses, inside the language prefix, under /diagnostic/."""

from django.urls import path

from . import views

# A diagnostic's pages by a respondent's signed link, and the same by its number.
BOTH = [
    ("", views.result, "result"),
    ("plan/", views.plan, "plan"),
    ("plan.pdf", views.plan_pdf, "pdf"),
    ("again/", views.take_again, "again"),
    ("attach/", views.attach, "attach"),
    ("share/", views.share, "share"),
]

urlpatterns = [
    path("", views.start, name="diagnostic"),
    path("method/", views.method, name="diagnostic-method"),
    path("network/", views.network, name="diagnostic-network"),
    path("network.csv", views.network_csv, name="diagnostic-network-csv"),
    path("fragility/", views.fragility, name="fragility"),
    path("join/<str:invitation>/", views.join, name="diagnostic-join"),
    path("organisation/<id:pk>/", views.organisation_diagnostics, name="diagnostic-organisation"),
    path("answers/<str:token>/", views.answer, name="diagnostic-answer"),
    *(
        path(
            f"answers/<str:token>/result/{end}" if end == "" else f"answers/<str:token>/{end}",
            view,
            name=f"diagnostic-{name}-link",
        )
        for end, view, name in BOTH
    ),
    *(path(f"<id:pk>/{end}", view, name=f"diagnostic-{name}") for end, view, name in BOTH),
]
