"""The forms of the commons: contributing resources, events and opportunities; registering."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django import forms
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse_lazy
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from essaim.atlas.forms import CountryField, place_at_locality
from essaim.atlas.gazetteer import resolve_country
from essaim.atlas.models import CONTENT_LANGUAGES, Organisation
from essaim.atlas.queries import organisations_named
from essaim.core.fields import (
    CheckboxList,
    DateInput,
    DateTimeInput,
    Honeypot,
    LanguagesField,
    WrittenInOneLanguage,
    form_field,
)
from essaim.core.text import CheckedText

from .actions import confirmed_count, set_replaced_tools
from .models import CourseModule, Event, Opportunity, Resource

LONG_TEXT = 20_000


def per_language(*names: str) -> list[str]:
    return [f"{name}_{code}" for name in names for code in CONTENT_LANGUAGES]


class NamesField(forms.CharField):
    """Names separated by semicolons (";"), as typed; `clean` gives them cleaned, in order."""

    def prepare_value(self, value) -> object:
        return "; ".join(str(item) for item in value) if isinstance(value, list | tuple) else value

    def clean(self, value) -> list[str]:
        raw = super().clean(value) or ""
        return list(dict.fromkeys(" ".join(n.split()) for n in raw.split(";") if n.strip()))


class OrganisationsInput(forms.TextInput):
    """The names typed, with those a visitor picked among the closest matches of a name the
    atlas does not know (`<name>-pick-N` replaces `<name>-typed-N`)."""

    def __init__(self):
        super().__init__(attrs={"data-suggest": reverse_lazy("names", args=["organisations"]),
                                "data-separator": ";", "autocomplete": "off"})  # fmt: skip

    def value_from_datadict(self, data, files, name) -> str:
        typed = data.get(name, "")
        picked = {}
        for key in data:
            if key.startswith(f"{name}-pick-") and data.get(key):
                was = data.get(key.replace("-pick-", "-typed-"), "")
                picked[" ".join(was.split()).lower()] = data[key]
        if not picked:
            return typed
        names = (" ".join(part.split()) for part in typed.split(";"))
        return "; ".join(picked.get(name.lower(), name) for name in names if name)


class OrganisationsField(NamesField):
    """Organisations of the atlas, by their names: completed as they are typed (forms.js);
    without JavaScript, a name the atlas does not know proposes the closest ones."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("Names as in the atlas, separated by semicolons."))
        kwargs.setdefault("template_name", "commons/widgets/organisations_field.html")
        super().__init__(required=False, max_length=2000, widget=OrganisationsInput, **kwargs)
        self.closest: list[tuple[str, list[str]]] = []

    def clean(self, value) -> list[Organisation]:
        names = super().clean(value)
        found, self.closest = {}, []
        for name in names:
            match = Organisation.objects.published().filter(name__iexact=name).first()
            if match is None:
                self.closest.append((name, organisations_named(name, limit=5)))
            else:
                found[match.pk] = match
        if self.closest:
            raise forms.ValidationError(
                [
                    forms.ValidationError(
                        _("“%(name)s” is not in the atlas under this name: choose one of the "
                          "closest below, or suggest it first.") if closest else
                        _("“%(name)s” is not in the atlas: suggest it first, or check its "
                          "name."),
                        params={"name": name},
                    )
                    for name, closest in self.closest
                ]
            )  # fmt: skip
        return list(found.values())


class CountriesField(NamesField):
    """Countries by ISO code or English name, separated by semicolons."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text", _("Names or ISO codes separated by semicolons, such as: France; BE.")
        )
        super().__init__(required=False, max_length=1000, **kwargs)

    def prepare_value(self, value) -> object:
        return "; ".join(str(c.code if hasattr(c, "code") else c) for c in value or [])

    def clean(self, value) -> list[str]:
        codes = []
        for name in super().clean(value):
            if not (code := resolve_country(name)):
                raise forms.ValidationError(_("Unknown country: %(name)s."), params={"name": name})
            codes.append(code)
        return list(dict.fromkeys(codes))


class ContributionForm(WrittenInOneLanguage, CheckedText, forms.ModelForm):
    """What the three kinds of contribution share: texts per language, organisations, themes.
    Subclasses list their fields in `groups`: (key, legend, field names)."""

    required_css_class = "required"
    organisations = OrganisationsField(label=_("Organisations"))
    languages = LanguagesField()
    groups: list = []

    class Meta:
        formfield_callback = form_field
        widgets = {
            "themes": CheckboxList,
            "competences": CheckboxList,
        }

    def __init__(self, *args, instance=None, **kwargs):
        if instance is not None and instance.pk:
            instance = type(instance).objects.get(pk=instance.pk)  # see OrganisationForm
        super().__init__(*args, instance=instance, **kwargs)
        for name, field in self.fields.items():
            if name.startswith(("body_", "description_")):
                field.widget = forms.Textarea(attrs={"rows": 6, "maxlength": LONG_TEXT})
                field.validators.append(MaxLengthValidator(LONG_TEXT))
        if self.instance.pk:
            self.initial["organisations"] = [org.name for org in self.instance.organisations.all()]
        elif translation.get_language() in CONTENT_LANGUAGES:
            self.initial["original_language"] = translation.get_language()
        if "themes" in self.fields:
            self.fields["themes"].to_field_name = "code"
        if "competences" in self.fields:
            self.fields["competences"].to_field_name = "key"
            self.fields["competences"].label_from_instance = lambda competence: competence.label

    def fieldsets(self) -> list[tuple[str, str, list, list, bool]]:
        """(key, legend, fields, fields folded behind "Add a translation", whether these are
        shown open: one is filled in or refused) of each group."""
        sets = []
        for key, legend, names in self.groups:
            names = [name for name in names if name in self.fields]
            other = [self[name] for name in self.in_other_languages(names)]
            opened = any(field.errors or field.value() for field in other)
            shown = [self[name] for name in names if name not in self.in_other_languages(names)]
            sets.append((key, legend, shown, other, opened))
        return sets

    def clean(self) -> dict:
        cleaned = super().clean()
        title_fields = [f"title_{code}" for code in CONTENT_LANGUAGES]
        if not any(cleaned.get(name) for name in title_fields):
            self.add_error(
                f"title_{self.writing_language()}", _("Give a title in at least one language.")
            )
        return cleaned

    def _save_m2m(self):
        super()._save_m2m()
        self.instance.organisations.set(self.cleaned_data["organisations"])


TEXTS = _("Title and texts")
ABOUT = _("Themes and organisations")


class ResourceForm(ContributionForm):
    replaces = NamesField(
        label=_("Replaces"),
        required=False,
        max_length=500,
        help_text=_("The big-platform tools it replaces, separated by semicolons."),
    )
    provider = OrganisationsField(label=_("Organisation behind it"))
    # Typed by name (a list of 250 countries weighs more than the rest of the form).
    hosting_country = CountryField(
        label=capfirst(Resource._meta.get_field("hosting_country").verbose_name), required=False
    )

    groups = [
        ("kind", _("Kind of resource"), ["kind", "original_language"]),
        ("text", TEXTS, per_language("title", "summary", "body")),
        ("facts", _("Use and licence"),
         ["url", "licence", "level", "duration_minutes", "languages"]),
        ("about", ABOUT, ["themes", "competences", "organisations"]),
        ("alternative", _("For an alternative to a big-platform tool"),
         ["replaces", "provider", "tool_licence", "hosting_country", "governance", "price"]),
    ]  # fmt: skip

    class Meta(ContributionForm.Meta):
        model = Resource
        fields = [
            "kind", "original_language", *per_language("title", "summary", "body"), "url",
            "licence", "level", "duration_minutes", "languages", "themes", "competences",
            "tool_licence",
            "hosting_country", "governance", "price",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["replaces"] = [tool.name for tool in self.instance.replaces.all()]
            if self.instance.provider:
                self.initial["provider"] = [self.instance.provider.name]

    def clean_provider(self) -> Organisation | None:
        providers = self.cleaned_data["provider"]
        if len(providers) > 1:
            raise forms.ValidationError(_("Name one organisation."))
        return providers[0] if providers else None

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("kind") == Resource.Kind.ALTERNATIVE and not cleaned.get("replaces"):
            self.add_error("replaces", _("Say which tool this alternative replaces."))
        return cleaned

    def save(self, commit: bool = True) -> models.Model:
        self.instance.provider = self.cleaned_data["provider"]
        return super().save(commit)

    def _save_m2m(self):
        super()._save_m2m()
        # The tools it replaces, by name (new names become tools): the write path's part.
        set_replaced_tools(self.instance, self.cleaned_data["replaces"])


class CourseModuleForm(CheckedText, forms.ModelForm):
    class Meta:
        model = CourseModule
        fields = ["position", "kind", *per_language("title", "body")]
        widgets = {f"body_{code}": forms.Textarea(attrs={"rows": 3}) for code in CONTENT_LANGUAGES}


CourseModuleFormSet = forms.inlineformset_factory(
    Resource, CourseModule, form=CourseModuleForm, extra=2, max_num=30, can_delete=True
)


def _in_zone(value, zone: str):
    """A date and time typed for the event's time zone (the form reads it in the server's)."""
    if value is None:
        return None
    return timezone.make_naive(value).replace(tzinfo=ZoneInfo(zone))


EVENT_TIMES = ["starts_at", "ends_at", "registration_opens_at", "registration_closes_at"]


# The country of each time zone offered, to name it in the visitor's words.
ZONE_COUNTRIES = {
    "Europe/Paris": "FR", "Europe/Brussels": "BE", "Europe/Madrid": "ES", "Europe/Rome": "IT",
    "Europe/Lisbon": "PT", "Europe/London": "GB", "Europe/Dublin": "IE", "Europe/Berlin": "DE",
    "Europe/Amsterdam": "NL", "Europe/Luxembourg": "LU", "Europe/Vienna": "AT",
    "Europe/Zurich": "CH", "Europe/Prague": "CZ", "Europe/Warsaw": "PL", "Europe/Budapest": "HU",
    "Europe/Bucharest": "RO", "Europe/Sofia": "BG", "Europe/Athens": "GR",
    "Europe/Helsinki": "FI", "Europe/Stockholm": "SE", "Europe/Copenhagen": "DK",
    "Europe/Oslo": "NO", "Europe/Tallinn": "EE", "Europe/Riga": "LV", "Europe/Vilnius": "LT",
    "Europe/Ljubljana": "SI", "Europe/Zagreb": "HR", "Europe/Bratislava": "SK",
    "Europe/Malta": "MT", "Asia/Nicosia": "CY", "America/Montreal": "CA", "America/Toronto": "CA",
}  # fmt: skip


def utc_offset(moment: datetime, zone: str) -> str:
    offset = moment.astimezone(ZoneInfo(zone)).strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"


def zone_choices() -> list[tuple[str, str]]:
    """Each time zone offered as "Italy — UTC+01:00 (UTC+02:00 in summer)" (with its city
    where a country has several), in the visitor's language, sorted by name: an event's
    offset is that of its own date, so both are told."""
    year = timezone.now().year
    winter, summer = datetime(year, 1, 15, tzinfo=UTC), datetime(year, 7, 15, tzinfo=UTC)
    several = {code for code in ZONE_COUNTRIES.values()
               if list(ZONE_COUNTRIES.values()).count(code) > 1}  # fmt: skip
    choices = []
    for zone, _label in Event._meta.get_field("time_zone").choices:
        utc, summer_utc = (utc_offset(moment, zone) for moment in (winter, summer))
        if summer_utc != utc:
            utc = _("%(offset)s (%(summer)s in summer)") % {"offset": utc, "summer": summer_utc}
        code = ZONE_COUNTRIES.get(zone)
        if code is None:
            choices.append((zone, _("Universal time (UTC)")))
            continue
        name = str(countries.name(code))
        if code in several:
            name += f" ({zone.split('/')[-1].replace('_', ' ')})"
        choices.append((zone, f"{name} — {utc}"))
    return sorted(choices, key=lambda choice: choice[1])


class EventForm(ContributionForm):
    country = CountryField(label=_("Country"), required=False)
    groups = [
        ("text", TEXTS, ["original_language", *per_language("title", "description")]),
        ("when", _("When"), ["starts_at", "ends_at", "all_day", "time_zone"]),
        ("where", _("Where"), ["mode", "venue", "address", "postal_code", "locality",
                               "country", "latitude", "longitude", "online_url"]),
        ("about", ABOUT, ["organisations", "themes", "competences", "languages", "website"]),
        ("registration", _("Registration"), ["takes_registrations", "capacity",
                                             "registration_opens_at", "registration_closes_at"]),
        ("allowance", _("Travel allowance"), ["allowance_amount", "allowance_min_distance_km",
                                              "allowance_first_time_only"]),
    ]  # fmt: skip

    class Meta(ContributionForm.Meta):
        model = Event
        fields = [
            "original_language", *per_language("title", "description"), "starts_at", "ends_at",
            "all_day", "time_zone", "mode", "venue", "address", "postal_code", "locality",
            "country", "latitude", "longitude", "online_url", "themes", "competences",
            "languages", "website",
            "takes_registrations", "capacity", "registration_opens_at", "registration_closes_at",
            "allowance_amount", "allowance_min_distance_km", "allowance_first_time_only",
        ]  # fmt: skip
        widgets = {**ContributionForm.Meta.widgets, **dict.fromkeys(EVENT_TIMES, DateTimeInput)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zone = ZoneInfo(self.instance.time_zone)
        for name in EVENT_TIMES:
            if value := getattr(self.instance, name):
                self.initial[name] = timezone.localtime(value, zone).replace(tzinfo=None)
        self.fields["time_zone"].choices = zone_choices()
        self.fields["time_zone"].help_text = _("Dates and times are in this time zone.")
        # The allowance's rules say something only with an amount.
        self.fields["allowance_min_distance_km"].required = False
        shown_when = {
            "allowance_min_distance_km": "allowance_amount",
            "allowance_first_time_only": "allowance_amount",
            "capacity": "takes_registrations",
            "registration_opens_at": "takes_registrations",
            "registration_closes_at": "takes_registrations",
            "online_url": "mode!=on-site",
            "venue": "mode!=online",
            "address": "mode!=online",
            "postal_code": "mode!=online",
        }
        for name, rule in shown_when.items():
            self.fields[name].shown_when = rule
        self.fields["latitude"].help_text = _(
            "Leave the coordinates empty to place the venue at its locality."
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        zone = cleaned.get("time_zone") or self.instance.time_zone
        for name in EVENT_TIMES:
            cleaned[name] = _in_zone(cleaned.get(name), zone)
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends < starts:
            self.add_error("ends_at", _("The end must come after the start."))
        opens, closes = cleaned.get("registration_opens_at"), cleaned.get("registration_closes_at")
        if opens and closes and closes <= opens:
            self.add_error("registration_closes_at", _("Registration must close after it opens."))
        mode = cleaned.get("mode")
        if mode != Event.Mode.ONLINE and not (cleaned.get("locality") and cleaned.get("country")):
            self.add_error("locality", _("Give the venue's locality and country."))
        if mode != Event.Mode.ON_SITE and not cleaned.get("online_url"):
            self.add_error("online_url", _("Give the link to follow the event online."))
        if cleaned.get("allowance_min_distance_km") is None:
            if cleaned.get("allowance_amount") is not None:
                self.add_error("allowance_min_distance_km",
                               _("Say from how far away the allowance is paid."))  # fmt: skip
            else:  # no allowance: its rule keeps what it said
                cleaned["allowance_min_distance_km"] = self.instance.allowance_min_distance_km
        place_at_locality(self, cleaned)
        capacity = cleaned.get("capacity")
        if capacity is not None and self.instance.pk:
            registered = confirmed_count(self.instance)
            if capacity < registered:
                self.add_error(
                    "capacity",
                    _("%(count)s people are already registered: give at least as many places.")
                    % {"count": registered},
                )
        return cleaned


JOB_FIELDS = ["contract", "working_time", "hours_per_week", "salary_min", "salary_max",
              "salary_period", "starts_on", "how_to_apply"]  # fmt: skip


class OpportunityForm(ContributionForm):
    eligible_countries = CountriesField(label=_("Eligible countries"))
    country = CountryField(label=_("Country"), required=False)

    groups = [
        ("kind", _("Kind of opportunity"), ["kind", "original_language"]),
        ("text", TEXTS, per_language("title", "description")),
        ("facts", _("Where and until when"),
         ["organisations", "url", "locality", "country", "remote", "duration", "deadline"]),
        ("job", _("For a job or an internship"), JOB_FIELDS),
        ("about", _("Themes"), ["themes", "competences", "languages"]),
        ("funding", _("For a funding call"),
         ["funder", "amount_min", "amount_max", "eligible_countries", "eligible_legal_forms"]),
    ]  # fmt: skip

    class Meta(ContributionForm.Meta):
        model = Opportunity
        fields = [
            "kind", "original_language", *per_language("title", "description"), "url",
            "locality", "country", "remote", "duration", "deadline", "contract", "working_time",
            "hours_per_week", "salary_min", "salary_max", "salary_period", "starts_on",
            "how_to_apply", "themes", "competences", "funder",
            "amount_min", "amount_max", "eligible_legal_forms",
        ]  # fmt: skip
        widgets = {
            **ContributionForm.Meta.widgets,
            "deadline": DateInput(),
            "starts_on": DateInput(),
            "how_to_apply": forms.Textarea(attrs={"rows": 3}),
            "eligible_legal_forms": CheckboxList,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["eligible_legal_forms"].to_field_name = "code"
        self.fields.pop("languages")
        for name in JOB_FIELDS:
            self.fields[name].shown_when = "kind=job|internship"
        self.fields["salary_period"].required = False  # a year, unless said otherwise
        for name in ("funder", "amount_min", "amount_max", "eligible_countries",
                     "eligible_legal_forms"):  # fmt: skip
            self.fields[name].shown_when = "kind=funding"
        if self.instance.pk:
            self.initial["eligible_countries"] = list(self.instance.eligible_countries)

    def clean(self) -> dict:
        cleaned = super().clean()
        deadline = cleaned.get("deadline")
        if deadline and deadline < timezone.localdate() and deadline != self.instance.deadline:
            self.add_error("deadline", _("This deadline has already passed."))
        cleaned["salary_period"] = cleaned.get("salary_period") or Opportunity.SalaryPeriod.YEAR
        for low_name, high_name in (("amount_min", "amount_max"), ("salary_min", "salary_max")):
            low, high = cleaned.get(low_name), cleaned.get(high_name)
            if low is not None and high is not None and high < low:
                self.add_error(high_name, _("The maximum cannot be below the minimum."))
        return cleaned

    def save(self, commit: bool = True) -> models.Model:
        self.instance.eligible_countries = self.cleaned_data["eligible_countries"]
        return super().save(commit)


class RegistrationForm(Honeypot, forms.Form):
    """Only what the organiser needs; the seat and first participation only when the event
    has a travel allowance, which they decide."""

    required_css_class = "required"

    name = forms.CharField(label=_("Your name"), max_length=120)
    email = forms.EmailField(
        label=_("Your email address"),
        help_text=_("For your confirmation and the link to cancel."),
    )
    organisation_name = forms.CharField(label=_("Your organisation"), max_length=200)
    seat_locality = forms.CharField(
        label=_("Locality of your organisation's seat"),
        max_length=120,
        help_text=_("To compute the distance to the venue for the travel allowance."),
    )
    seat_country = CountryField(label=_("Country of your organisation's seat"))
    first_participation = forms.BooleanField(
        label=_("This is my organisation's first participation"), required=False
    )

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        if event.allowance_amount is None:
            for name in ("seat_locality", "seat_country", "first_participation"):
                del self.fields[name]
            self.fields["organisation_name"].required = False
        else:
            self.initial.setdefault("seat_country", event.country.code or "")

    def answers(self) -> dict:
        data = {name: value for name, value in self.cleaned_data.items() if name != "nickname"}
        return data


class RejectForm(CheckedText, forms.Form):
    reason = forms.CharField(
        label=_("Reason, sent to the contributor"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
