"""Forms and form fields of the atlas: its own pages' (suggestions and edits have theirs in
contributions), and the fields of places and identifiers every domain's forms use."""

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from essaim.core.fields import folded

from .gazetteer import find_locality, resolve_country
from .hours import DAY_CHOICES, hours_from_rows, opening_hours_error, rows_from_hours
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


def countries_named(text: str, limit: int = 8) -> list[str]:
    """Names, in the visitor's language, of the countries whose name or one of its words
    begins like `text`."""
    start = folded(text[:60])
    if not start:
        return []
    found = []
    for _code, name in countries:
        words = folded(name)
        if words.startswith(start) or any(word.startswith(start) for word in words.split()):
            found.append(name)
    return found[:limit]


class CountryField(forms.CharField):
    """A country typed by name or code: a plain text box, lighter than a list of 250, filled
    in by browsers (autocomplete="country-name") and completed by suggest.js."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("Its name, such as: Belgique, Italia, Spain."))
        super().__init__(max_length=60, **kwargs)
        self.widget.attrs["autocomplete"] = "country-name"
        self.widget.attrs["data-suggest"] = reverse_lazy("names", args=["countries"])

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


HOURS_ROWS = 2  # mornings and afternoons; more in the syntax itself


class HoursWidget(forms.MultiWidget):
    """Rows of days, opening and closing times, and a box for the OSM syntax itself."""

    template_name = "atlas/widgets/hours.html"

    def __init__(self):
        row = [
            forms.Select(choices=[("", _("Days…")), *DAY_CHOICES]),
            forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        ]
        super().__init__([*row * HOURS_ROWS, forms.TextInput(attrs={"maxlength": 255})])

    def value_from_datadict(self, data, files, name) -> list:
        # Hours sent as one value (the API, a script) are the syntax itself.
        if name in data and not any(f"{name}_{i}" in data for i in range(3 * HOURS_ROWS + 1)):
            return [None] * 3 * HOURS_ROWS + [data.get(name)]
        return super().value_from_datadict(data, files, name)

    def decompress(self, value) -> list:
        rows = rows_from_hours(value or "")
        # Rows only when they give the very same text back: anything else stays as written.
        if rows is None or len(rows) > HOURS_ROWS or hours_from_rows(rows) != (value or ""):
            return [None] * 3 * HOURS_ROWS + [value]  # told in the syntax itself
        cells = [cell for row in rows for cell in row]
        return cells + [None] * (3 * HOURS_ROWS - len(cells)) + [""]

    def get_context(self, name, value, attrs) -> dict:
        context = super().get_context(name, value, attrs)
        cells = context["widget"]["subwidgets"]
        context["rows"] = [cells[start : start + 3] for start in range(0, 3 * HOURS_ROWS, 3)]
        context["raw"] = cells[-1]
        return context


class HoursField(forms.MultiValueField):
    """Opening hours entered as days and times, given as OSM syntax ("Mo-Fr 09:00-17:00");
    the syntax typed in its own box is taken as it is."""

    widget = HoursWidget

    def __init__(self, **kwargs):
        row = [forms.ChoiceField(choices=DAY_CHOICES), forms.TimeField(), forms.TimeField()]
        raw = forms.CharField(max_length=255)
        kwargs.setdefault(
            "help_text", _("A second row for a second time of day, such as the afternoon.")
        )
        super().__init__([*row * HOURS_ROWS, raw], require_all_fields=False, required=False,
                         **kwargs)  # fmt: skip
        for sub in self.fields:
            sub.required = False

    def compress(self, values: list) -> str:
        if not values:
            return ""
        raw = " ".join((values[-1] or "").split())
        rows = []
        for start in range(0, 3 * HOURS_ROWS, 3):
            days, opens, closes = values[start : start + 3]
            if not (days or opens or closes):
                continue
            if not (days and opens and closes):
                raise forms.ValidationError(_("Give the days, the opening and the closing time "
                                              "of each row you fill in."))  # fmt: skip
            if closes == opens:
                raise forms.ValidationError(_("A row opens and closes at the same time: %(time)s.")
                                            % {"time": f"{opens:%H:%M}"})  # fmt: skip
            rows.append((days, opens, closes))  # closing earlier: the next day (22:00-02:00)
        text = hours_from_rows(rows)
        if raw and rows and raw != text:
            raise forms.ValidationError(_("Give the hours either as rows of days and times or in "
                                          "OpenStreetMap's syntax, not both."))  # fmt: skip
        text = raw or text
        if reason := opening_hours_error(text):
            raise forms.ValidationError(reason)
        return text
