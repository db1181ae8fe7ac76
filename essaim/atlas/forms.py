"""Forms and form fields of the atlas: its own pages' (suggestions and edits have theirs in
contributions), and the fields of places and identifiers every domain's forms use."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from .gazetteer import find_locality, resolve_country
from .logos import FORMATS, Logo, read_logo, too_large


class LogoForm(forms.Form):
    logo = forms.FileField(
        label=_("Image file"),
        help_text=_(
            "JPEG, PNG, WebP or GIF, up to 2 MB and 4000 pixels a side. It is shown at most "
            "256 pixels wide, without the file's metadata (such as where a photo was taken)."
        ),
        widget=forms.FileInput(
            attrs={"accept": ",".join(f"image/{name.lower()}" for name in FORMATS)}
        ),
    )

    def __init__(self, *args, too_large_upload: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large_upload = too_large_upload

    def clean_logo(self) -> Logo:
        return read_logo(self.cleaned_data["logo"])

    def clean(self) -> dict:
        if self.too_large_upload:
            # The upload was stopped before its end: there is no file to look at.
            self.errors.pop("logo", None)
            self.add_error("logo", too_large())
        return super().clean()


def check_place(facts: dict) -> tuple[str, str] | None:
    """(field, reason) when the coordinates come alone, else None; with neither and a known
    locality, the gazetteer's place is set in `facts` (its region too, when not given)."""
    latitude, longitude = facts.get("latitude"), facts.get("longitude")
    if ("latitude" in facts) != ("longitude" in facts) or (latitude is None) != (longitude is None):
        return "longitude", _("Give both coordinates, or neither.")
    if latitude is None and facts.get("locality") and facts.get("country"):
        place = find_locality(facts["locality"], facts["country"])
        if place is not None:
            facts["latitude"], facts["longitude"] = place.latitude, place.longitude
            facts["region"] = facts.get("region") or place.region
    return None


def place_at_locality(form, cleaned: dict) -> None:
    """`check_place` for a form's cleaned data, once its coordinates are each valid."""
    if not {"latitude", "longitude"} & set(form.errors) and (refused := check_place(cleaned)):
        form.add_error(*refused)


class CountryField(forms.CharField):
    """A country typed by name or code: a plain text box, lighter than a list of 250 and
    filled in by browsers (autocomplete="country-name")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("Its name, such as: Belgique, Italia, Spain."))
        super().__init__(max_length=60, **kwargs)
        self.widget.attrs["autocomplete"] = "country-name"

    def prepare_value(self, value) -> object:
        if isinstance(value, str) and countries.alpha2(value):
            return countries.name(countries.alpha2(value))
        return getattr(value, "name", value)

    def clean(self, value) -> str:
        text = super().clean(value)
        if not text:
            return ""
        code = resolve_country(text)
        if not code:
            raise forms.ValidationError(_("Unknown country: %(name)s."), params={"name": text})
        return code


class ChoiceField(forms.ChoiceField):
    """A list to choose from whose value the fact checks (an API client may send anything)."""

    def valid_value(self, value) -> bool:
        return True


class MultipleChoiceField(forms.MultipleChoiceField):
    def valid_value(self, value) -> bool:
        return True
