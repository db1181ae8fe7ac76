from django.apps import AppConfig


class ObservatoryConfig(AppConfig):
    name = "essaim.observatory"

    def ready(self) -> None:
        """What people said goes with its source (an account, a feedback) when erased."""
        from . import actions  # noqa: F401  (connects the receivers that forget it)
