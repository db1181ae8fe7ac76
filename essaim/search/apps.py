from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "essaim.search"
    label = "search"
