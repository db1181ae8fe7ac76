"""The network's addresses, inside the language prefix, under /network/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.network, name="network"),
    path("join/", views.join, name="network-join"),
    path("terms/", views.terms, name="network-terms"),
    path("members/", views.register, name="network-register"),
    path("members/<id:pk>/", views.member, name="network-member"),
    path("members/<id:pk>/decide/", views.decide, name="network-decide"),
]
