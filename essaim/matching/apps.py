from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "essaim.matching"
    verbose_name = _("Needs and offers of help")
