from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from essaim.accounts import views as accounts
from essaim.api.api import api
from essaim.atlas import views as atlas
from essaim.contributions import views as contributions
from essaim.core import health
from essaim.core import views as core
from essaim.exchange import views as exchange
from essaim.www import account_data
from essaim.www.competences import competence_detail, competence_frameworks, self_check
from essaim.www.search import search_everything

admin.site.site_header = admin.site.site_title = _("Essaim administration")
admin.site.index_title = _("The atlas and its taxonomies")

urlpatterns = [
    path("healthz", health.alive, name="healthz"),
    path("readyz", health.ready, name="readyz"),
    path("api/v1/", api.urls),
    re_path(
        r"^exports/organisations\.(?P<fmt>csv|json|geojson|jsonld)$", exchange.export, name="export"
    ),
    path(
        "exports/data-inclusion/structures.json",
        exchange.export,
        {"fmt": "data-inclusion"},
        name="export-data-inclusion",
    ),
    path(
        "exports/data-inclusion/services.json",
        exchange.export,
        {"fmt": "data-inclusion-services"},
        name="export-data-inclusion-services",
    ),
    path(
        "exports/lieux-de-mediation-numerique.csv",
        exchange.export,
        {"fmt": "lmn"},
        name="export-lmn",
    ),
    re_path(r"^exports/snapshots/(?P<name>[\w.-]+)$", exchange.snapshot, name="snapshot"),
    re_path(r"^catalogue\.(?P<fmt>ttl|jsonld)$", exchange.catalogue_view, name="catalogue"),
    path("media/logos/<str:name>", atlas.logo_file, name="organisation-logo-file"),
    path("basemap.pmtiles", core.basemap_tiles, name="basemap-pmtiles"),
    path("robots.txt", TemplateView.as_view(template_name="robots.txt", content_type="text/plain")),
]

urlpatterns += i18n_patterns(
    path("", atlas.home, name="home"),
    path("search/", search_everything, name="search"),
    path("competences/", competence_frameworks, name="competences"),
    path("competences/self-check/", self_check, name="self-check"),
    path("competences/<str:key>/", competence_detail, name="competence"),
    path("diagnostic/", include("essaim.diagnostics.urls")),
    path("help/", include("essaim.matching.urls")),
    path("observatory/", include("essaim.observatory.urls")),
    path("network/", include("essaim.network.urls")),
    path("atlas/", atlas.atlas_list, name="atlas-list"),
    path("atlas/map/", atlas.map_page, name="atlas-map"),
    path("names/<str:what>/", atlas.names, name="names"),
    path("atlas/<id:pk>/<slug:slug>/", atlas.organisation_detail, name="organisation"),
    path("atlas/suggest/", contributions.suggest, name="suggest"),
    path(
        "atlas/suggestions/<str:token>/",
        contributions.follow_suggestion,
        name="follow-suggestion",
    ),
    path("atlas/<id:pk>/<slug:slug>/suggest/", contributions.suggest, name="suggest-change"),
    path("atlas/<id:pk>/<slug:slug>/history/", contributions.history, name="organisation-history"),
    path("atlas/<id:pk>/<slug:slug>/report/", contributions.report, name="organisation-report"),
    path("atlas/<id:pk>/<slug:slug>/represent/", contributions.claim, name="organisation-claim"),
    path("atlas/<id:pk>/<slug:slug>/edit/", contributions.edit, name="organisation-edit"),
    path("atlas/<id:pk>/<slug:slug>/logo/", atlas.organisation_logo, name="organisation-logo"),
    path("atlas/confirm/<str:token>/", atlas.confirm_entry, name="confirm-entry"),
    path("contributions/", contributions.community_review, name="community-review"),
    path("contributions/<id:pk>/vote/", contributions.vote, name="vote"),
    path("moderation/", contributions.moderation_queue, name="moderation-queue"),
    path("moderation/reports/<id:pk>/", contributions.decide_reports, name="decide-reports"),
    path("moderation/claims/<id:pk>/", contributions.decide_claim, name="decide-claim"),
    path("moderation/missing/<id:pk>/", contributions.decide_missing, name="decide-missing"),
    path("moderation/duplicates/", contributions.duplicates, name="duplicates"),
    path(
        "moderation/duplicates/<id:pk>/",
        contributions.review_duplicate,
        name="review-duplicate",
    ),
    path(
        "moderation/suggestions/<id:pk>/",
        contributions.review_suggestion,
        name="review-suggestion",
    ),
    path("moderation/changes/<id:pk>/revert/", contributions.revert, name="revert-change"),
    path("accounts/profile/", accounts.profile, name="account-profile"),
    path("accounts/profile/data.json", account_data.download_data, name="account-data"),
    path("accounts/profile/delete/", accounts.delete_account, name="account-delete"),
    path(
        "accounts/profile/keys/<id:pk>/revoke/",
        accounts.revoke_token,
        name="account-revoke-token",
    ),
    path("accounts/", include("allauth.urls")),
    path("", include("essaim.commons.urls")),
    path("privacy/", core.privacy, name="privacy"),
    path("accessibility/", core.accessibility, name="accessibility"),
    path("api/", core.api_docs, name="api-docs"),
    path("admin/", admin.site.urls),
)

handler400 = core.bad_request
handler403 = core.forbidden
handler404 = core.not_found
