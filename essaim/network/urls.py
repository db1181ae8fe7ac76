"""The network's addresses, inside the language prefix, under /network/."""

from django.urls import path

from . import announcement_views, inbox_views, views, vote_views

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
    path("votes/<id:pk>/receipt/", vote_views.check_receipt, name="network-vote-receipt"),
    path("votes/<id:pk>/proxy/", vote_views.proxy, name="network-vote-proxy"),
    path("votes/<id:pk>/open/", vote_views.open_now, name="network-vote-open"),
    path("votes/<id:pk>/minutes/", vote_views.minutes, name="network-vote-minutes"),
    path("proposals/", vote_views.proposals, name="network-proposals"),
    path("proposals/new/", vote_views.propose, name="network-propose"),
    path("proposals/<id:pk>/", vote_views.proposal, name="network-proposal"),
    path("proposals/<id:pk>/support/", vote_views.support, name="network-support"),
]

urlpatterns += [
    path("announcements/", announcement_views.archive, name="network-announcements"),
    path("announcements/feed/", announcement_views.feed, name="network-announcements-feed"),
    path("announcements/new/", announcement_views.write, name="network-announcement-new"),
    path("announcements/<id:pk>/", announcement_views.announcement, name="network-announcement"),
    path(
        "announcements/<id:pk>/edit/", announcement_views.write, name="network-announcement-edit"
    ),  # fmt: skip
    path(
        "announcements/<id:pk>/send/", announcement_views.send, name="network-announcement-send"
    ),  # fmt: skip
    path("unsubscribe/<str:token>/", announcement_views.unsubscribe, name="network-unsubscribe"),
]

urlpatterns += [
    path("contact/", inbox_views.contact, name="network-contact"),
    path("write/<id:pk>/", inbox_views.write_to, name="network-write"),
    path("inbox/", inbox_views.inbox, name="network-inbox"),
    path("inbox/reasons/", inbox_views.reasons, name="network-reasons"),
    path("inbox/<id:pk>/", inbox_views.message, name="network-message"),
    path("inbox/<id:pk>/answer/", inbox_views.answer, name="network-answer"),
    path("inbox/<id:pk>/sort/", inbox_views.resort, name="network-resort"),
    path("reply/<str:token>/", inbox_views.reply_by_link, name="network-reply-by-link"),
]
