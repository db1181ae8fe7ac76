from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "essaim.matching"
    verbose_name = _("Needs and offers of help")

    def ready(self) -> None:
        from essaim.core import feed  # noqa: PLC0415  (registrations, once the apps are loaded)

        from . import pool  # noqa: PLC0415

        feed.on_change(pool.POOLS, pool.changed)
