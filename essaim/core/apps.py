from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "essaim.core"
    label = "core"

    def ready(self) -> None:
        from . import checks, converters  # noqa: F401  (registers the deploy checks, <id:…>)
