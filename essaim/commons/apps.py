from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonsConfig(AppConfig):
    name = "essaim.commons"
    verbose_name = _("Commons: resources, events and opportunities")
