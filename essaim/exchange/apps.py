from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "essaim.exchange"
    label = "exchange"
