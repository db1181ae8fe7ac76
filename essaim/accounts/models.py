"""Essaim's user: a custom model from day one, so roles and profiles can grow without a swap."""

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    pass
