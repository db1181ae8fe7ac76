"""Small helpers shared by the tests."""

from django.utils import translation


def page_of(org, language: str) -> str:
    """The address of an organisation's page in a language."""
    with translation.override(language):
        return org.get_absolute_url()


def page_types(language: str) -> list[str]:
    """One address of every public page type, in a language (the demo atlas loaded).

    The accessibility and third-party checks visit these: add a new page type here."""
    from essaim.atlas.models import Organisation

    org = Organisation.objects.get(name="Emmaüs Connect")
    return [
        f"/{language}/",
        f"/{language}/atlas/",
        f"/{language}/atlas/?q=coop&country=FR",
        f"/{language}/atlas/?sector=unknown",
        page_of(org, language),
        page_of(org, language) + "history/",
        page_of(org, language) + "suggest/",
        f"/{language}/atlas/suggest/",
        f"/{language}/atlas/map/",
        f"/{language}/api/",
        f"/{language}/accounts/login/",
        f"/{language}/accounts/signup/",
        f"/{language}/accounts/password/reset/",
        f"/{language}/privacy/",
        f"/{language}/accessibility/",
    ]
