from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AtlasConfig(AppConfig):
    name = "essaim.atlas"
    label = "atlas"
    verbose_name = _("Atlas")

    def ready(self) -> None:
        from . import indexing  # noqa: PLC0415  (models are loaded only now)

        indexing.register()
