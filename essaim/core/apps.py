from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "essaim.core"
    label = "core"
