"""The network's addresses, inside the language prefix, under /network/."""

from django.urls import path

from . import views, vote_views

urlpatterns = [
    path("", views.network, name="network"),
    path("join/", views.join, name="network-join"),
    path("terms/", views.terms, name="network-terms"),
    path("members/", views.register, name="network-register"),
    path("members/<id:pk>/", views.member, name="network-member"),
    path("members/<id:pk>/decide/", views.decide, name="network-decide"),
]

urlpatterns += [
    path("votes/", vote_views.votes, name="network-votes"),
    path("votes/new/", vote_views.edit_vote, name="network-vote-new"),
    path("votes/<id:pk>/", vote_views.vote, name="network-vote"),
    path("votes/<id:pk>/edit/", vote_views.edit_vote, name="network-vote-edit"),
    path("votes/<id:pk>/cast/", vote_views.cast, name="network-vote-cast"),
    path("votes/<id:pk>/proxy/", vote_views.proxy, name="network-vote-proxy"),
    path("votes/<id:pk>/open/", vote_views.open_now, name="network-vote-open"),
    path("votes/<id:pk>/minutes/", vote_views.minutes, name="network-vote-minutes"),
    path("proposals/", vote_views.proposals, name="network-proposals"),
    path("proposals/new/", vote_views.propose, name="network-propose"),
    path("proposals/<id:pk>/", vote_views.proposal, name="network-proposal"),
    path("proposals/<id:pk>/support/", vote_views.support, name="network-support"),
]
