"""Small helpers shared by the tests."""

from django.utils import translation


def page_of(org, language: str) -> str:
    """The address of an organisation's page in a language."""
    with translation.override(language):
        return org.get_absolute_url()
