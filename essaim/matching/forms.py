"""The forms of needs, profiles, requests and feedback. Short: what matters first, the
framework's competences and the finer points folded under a disclosure."""

import re

from django import forms
from django.conf.locale import LANG_INFO
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from essaim.atlas.models import Service
from essaim.atlas.places import MAX_PLACE_LENGTH, Place
from essaim.competences.models import Competence, Level
from essaim.core.fields import DateInput
from essaim.core.text import CheckedText
from essaim.diagnostics.forms import typed_place

from .models import (
    MAX_RADIUS_KM,
    NEED_EDITABLE,
    PERSON_KINDS,
    PROFILE_EDITABLE,
    Feedback,
    Kind,
    Need,
    Profile,
    Programme,
    Where,
)
from .scoring import DEFAULT_WEIGHTS, LABELS

# The languages offered as boxes to tick (the four of the interface first).
SPOKEN = ["fr", "en", "it", "es", "de", "pt", "nl", "ca", "eu", "br", "ar"]
MAX_SKILLS = 12
# A first message carries no address: they are exchanged once both have said yes.
LINK = re.compile(r"(https?://|www\.|\S+\.(?:com|org|net|fr|it|es|eu|io)\b/|<\s*script)", re.I)


def spoken_choices() -> list[tuple[str, str]]:
    return [(code, LANG_INFO[code]["name_local"]) for code in SPOKEN]


class SkillsField(forms.CharField):
    """Free skills typed as "WordPress, 3D printing", cleaned into a list."""

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=400, **kwargs)

    def prepare_value(self, value) -> object:
        return ", ".join(value) if isinstance(value, list) else value

    def clean(self, value) -> list[str]:
        items = [item.strip() for item in (super().clean(value) or "").split(",") if item.strip()]
        if len(items) > MAX_SKILLS:
            raise forms.ValidationError(
                _("At most %(n)s skills: keep the ones that matter most."), params={"n": MAX_SKILLS}
            )
        if any(len(item) > 60 for item in items):
            raise forms.ValidationError(_("A skill is a few words: separate them by commas."))
        return list(dict.fromkeys(items))


def competence_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """The competences of the newest framework, grouped by area."""
    grouped: dict[str, list] = {}
    for c in Competence.objects.select_related("area").order_by("area__position", "position"):
        grouped.setdefault(f"{c.area.number} {c.area.name.text}", []).append((c.pk, c.label))
    return list(grouped.items())


class PlaceForm(CheckedText, forms.Form):
    where_town = forms.CharField(
        label=_("Town"),
        required=False,
        max_length=MAX_PLACE_LENGTH,
        help_text=_("Such as: Arras, Liège, Bologna."),
    )
    place: Place | None = None

    def clean_where_town(self) -> str:
        text = self.cleaned_data["where_town"].strip()
        self.place = typed_place(text)
        return text

    def placed(self) -> dict:
        place = self.place
        if place is None:
            return {"locality": "", "region": "", "country": "", "latitude": None,
                    "longitude": None}  # fmt: skip
        return {
            "locality": place.label[:120],
            "region": place.region[:120],
            "country": place.country,
            "latitude": place.latitude,
            "longitude": place.longitude,
        }


class NeedForm(PlaceForm):
    organisation = forms.TypedChoiceField(label=_("For"), coerce=int)
    title = forms.CharField(
        label=_("What do you need, in a few words?"),
        max_length=150,
        help_text=_("Such as: someone to set up our shared calendar."),
    )
    description = forms.CharField(
        label=_("Say more"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What you have tried, what you use now, what would help."),
    )
    kind = forms.ChoiceField(label=_("Kind of help"), choices=Kind.choices)
    where = forms.ChoiceField(
        label=_("Where"), choices=Where.choices, initial=Where.EITHER, widget=forms.RadioSelect
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Those the helper may speak with you."),
    )
    hours_per_week = forms.IntegerField(
        label=_("Hours a week"), required=False, min_value=1, max_value=60
    )
    deadline = forms.DateField(
        label=_("Answers wanted before"),
        required=False,
        widget=DateInput(),
    )
    competences = forms.TypedMultipleChoiceField(
        label=_("Digital competences"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    services = forms.MultipleChoiceField(
        label=_("Kinds of help in the atlas"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("So that the providers who offer them are suggested too."),
    )
    skills = SkillsField(
        label=_("Other skills or equipment"),
        help_text=_("Separated by commas, such as: WordPress, 10 laptops."),
    )
    starts_on = forms.DateField(label=_("From"), required=False, widget=DateInput())
    ends_on = forms.DateField(label=_("Until"), required=False, widget=DateInput())

    def __init__(self, *args, organisations: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.pk, o.name) for o in organisations]
        self.fields["languages"].choices = spoken_choices()
        self.fields["competences"].choices = competence_choices()
        self.fields["services"].choices = [(s.code, s.label) for s in Service.objects.all()]
        self.fields["where_town"].help_text = _(
            "Where the help is needed, if on site. Such as: Arras, Liège, Bologna."
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        asked = (
            cleaned.get("competences")
            or cleaned.get("services")
            or cleaned.get("skills")
            or len((cleaned.get("description") or "").split()) >= 3
        )
        if not asked and "title" in cleaned:
            raise forms.ValidationError(
                _(
                    "Say a little more, so that the right people find it: a few words of "
                    "description, a competence, a kind of help or a skill."
                )
            )
        needs_town = cleaned.get("where") != Where.REMOTE and not cleaned.get("where_town")
        if needs_town and "where_town" not in self.errors:
            self.add_error(
                "where_town", _("Say in which town the help is needed, or choose remotely.")
            )
        start, end = cleaned.get("starts_on"), cleaned.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("The end comes before the start."))
        return cleaned

    def data_for_need(self) -> dict:
        c = self.cleaned_data
        return {
            **self.placed(),
            **{name: c[name] for name in NEED_EDITABLE},
            "competences": c["competences"],
            "services": list(Service.objects.filter(code__in=c["services"])),
            "language": translation.get_language() or "fr",
        }


def level_bands() -> dict[str, list[str]]:
    """DigComp's eight levels in its four bands ({band: level numbers}): a profile picks a
    band (21 short lists on the page), kept as the band's highest level."""
    bands: dict[str, list[str]] = {}
    for level in Level.objects.filter(framework__key="digcomp-2.2").order_by("position"):
        bands.setdefault(level.band.text, []).append(level.number)
    return bands


def band_top(level: int) -> str:
    """The highest level of the band `level` is in."""
    for numbers in level_bands().values():
        if str(level) in numbers:
            return numbers[-1]
    return str(level)


class ProfileForm(PlaceForm):
    name = forms.CharField(
        label=_("Name shown"), max_length=80, help_text=_("A first name or a nickname is enough.")
    )
    presentation = forms.CharField(
        label=_("What can you do?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("In your words: your experience, what you like to pass on."),
    )
    kinds = forms.MultipleChoiceField(
        label=_("You offer"),
        choices=[(k.value, k.label) for k in PERSON_KINDS],
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages you speak"), widget=forms.CheckboxSelectMultiple
    )
    hours_per_week = forms.IntegerField(
        label=_("Hours a week you can give"),
        min_value=1,
        max_value=60,
        help_text=_("Shown to organisations only as a range until you accept them."),
    )
    radius_km = forms.IntegerField(
        label=_("Distance you can travel (km)"), min_value=0, max_value=MAX_RADIUS_KM, initial=20
    )
    remote = forms.BooleanField(label=_("I can help remotely too"), required=False, initial=True)
    will_not_do = forms.CharField(
        label=_("What you will not do"),
        required=False,
        max_length=300,
        help_text=_("Words, separated by commas: needs that say them are shown with a warning."),
    )
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=40,
        help_text=_("Optional; shown only to the organisations you accept."),
    )
    digest = forms.BooleanField(
        label=_("Email me the new needs that fit, once a day"), required=False
    )
    services = forms.MultipleChoiceField(
        label=_("Kinds of help"), required=False, widget=forms.CheckboxSelectMultiple
    )
    skills = SkillsField(
        label=_("Other skills or equipment"),
        help_text=_("Separated by commas, such as: WordPress, a van, 3D printing."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["languages"].choices = spoken_choices()
        self.fields["services"].choices = [(s.code, s.label) for s in Service.objects.all()]
        self.fields["where_town"].help_text = _(
            "Where you live or work, to find needs near you. Such as: Arras, Liège, Bologna."
        )
        levels = [("", "—")] + [
            (numbers[-1], f"{band} ({'–'.join(dict.fromkeys([numbers[0], numbers[-1]]))})")
            for band, numbers in level_bands().items()
        ]
        self.competence_fields = []
        for group, choices in competence_choices():
            names = []
            for pk, label in choices:
                name = f"competence_{pk}"
                self.fields[name] = forms.ChoiceField(label=label, choices=levels, required=False)
                names.append(name)
            self.competence_fields.append((group, names))

    def clean(self) -> dict:
        cleaned = super().clean()
        nowhere = not cleaned.get("where_town") and not cleaned.get("remote")
        if nowhere and "where_town" not in self.errors:
            self.add_error("where_town", _("Say your town, or tick that you can help remotely."))
        return cleaned

    def competence_levels(self) -> dict[int, int]:
        return {
            int(name.removeprefix("competence_")): int(value)
            for name, value in self.cleaned_data.items()
            if name.startswith("competence_") and value
        }

    def data_for_profile(self) -> dict:
        c = self.cleaned_data
        return {
            **self.placed(),
            **{name: c[name] for name in PROFILE_EDITABLE},
            "language": translation.get_language() or "fr",
            "services": list(Service.objects.filter(code__in=c["services"])),
            "competences": self.competence_levels(),
        }  # fmt: skip

    @staticmethod
    def initial_from(profile: Profile | None) -> dict:
        if profile is None:
            return {}
        found = {name: getattr(profile, name) for name in PROFILE_EDITABLE}
        found["where_town"] = profile.locality
        found["services"] = [s.code for s in profile.services.all()]
        for held in profile.competences.all():
            found[f"competence_{held.competence_id}"] = band_top(held.level)
        return found


class MessageForm(CheckedText, forms.Form):
    message = forms.CharField(
        label=_("Your message"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Say who you are and what you propose. No address or link yet: they are shown "
            "to both once the request is accepted."
        ),
    )

    def clean_message(self) -> str:
        message = self.cleaned_data["message"]
        if LINK.search(message):
            raise forms.ValidationError(
                _(
                    "Leave links and addresses out of a first message: they are shown to "
                    "both once the request is accepted."
                )
            )
        return message


class AnswerForm(CheckedText, forms.Form):
    accept = forms.TypedChoiceField(
        label=_("Your answer"),
        choices=[("yes", _("I accept: show us each other's addresses")), ("no", _("I decline"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    answer = forms.CharField(
        label=_("A word for them"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("When you decline, say why: it helps them ask better next time."),
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("accept") is False and not cleaned.get("answer", "").strip():
            self.add_error("answer", _("Say in a few words why you decline."))
        return cleaned


class FeedbackForm(CheckedText, forms.Form):
    helped = forms.ChoiceField(
        label=_("Did it help?"), choices=Feedback.Helped.choices, widget=forms.RadioSelect
    )
    again = forms.TypedChoiceField(
        label=_("Would you do it again?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("In your words (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class NeedFilters(forms.Form):
    kind = forms.ChoiceField(required=False, choices=[("", _("Any kind"))] + Kind.choices)
    country = forms.CharField(required=False, max_length=2)
    region = forms.CharField(required=False, max_length=120)
    competence = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competence"].choices = [("", _("Any competence"))] + [
            (pk, label) for _group, items in competence_choices() for pk, label in items
        ]


class ProgrammeForm(CheckedText, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150,
                           help_text=_("Such as: Mentoring round, spring 2027."))  # fmt: skip
    kind = forms.ChoiceField(label=_("Kind"), choices=Programme.Kind.choices)


class ParticipantForm(forms.Form):
    """A need (open, of the programme's kind) or a volunteer (offering it), and its places."""

    need = forms.TypedChoiceField(label=_("A need"), required=False, coerce=int,
                                  empty_value=None)  # fmt: skip
    profile = forms.TypedChoiceField(label=_("Or a volunteer"), required=False, coerce=int,
                                     empty_value=None)  # fmt: skip
    capacity = forms.IntegerField(
        label=_("Places"),
        min_value=1,
        max_value=20,
        initial=1,
        help_text=_("How many mentees a mentor takes, or interns an organisation hosts."),
    )

    def __init__(self, *args, programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        kind = Kind.MENTORING if programme.kind == Programme.Kind.MENTORING else Kind.INTERNSHIP
        self.needs = {n.pk: n for n in Need.objects.open().filter(kind=kind)
                      .select_related("organisation")}  # fmt: skip
        self.profiles = {
            p.pk: p
            for p in Profile.objects.filter(published_at__isnull=False, paused=False)
            if kind in p.kinds
        }
        self.fields["need"].choices = [("", "—")] + [
            (pk, f"{n.title} — {n.organisation.name}") for pk, n in self.needs.items()
        ]
        self.fields["profile"].choices = [("", "—")] + [
            (pk, f"{p.name} ({p.locality or _('remotely')})") for pk, p in self.profiles.items()
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        need, profile = cleaned.get("need"), cleaned.get("profile")
        if (need is None) == (profile is None):
            raise forms.ValidationError(_("Choose a need or a volunteer, one at a time."))
        return {
            "need": self.needs.get(need) if need else None,
            "profile": self.profiles.get(profile) if profile else None,
            "capacity": cleaned.get("capacity") or 1,
        }


class WeightsForm(forms.Form):
    """One number per part and side, 0 (left out) to 100."""

    def __init__(self, *args, current: dict[str, float], **kwargs):
        super().__init__(*args, **kwargs)
        self.sides = []
        for side, title in (("need", _("For the organisation")),
                            ("offer", _("For the one who helps"))):  # fmt: skip
            names = []
            for key in DEFAULT_WEIGHTS:
                if key.startswith(f"{side}."):
                    code = key.split(".", 1)[1]
                    self.fields[key] = forms.IntegerField(
                        label=LABELS[code], min_value=0, max_value=100,
                        initial=round(current[key]),
                        help_text=_("Default: %(n)s") % {"n": DEFAULT_WEIGHTS[key]},
                    )  # fmt: skip
                    names.append(key)
            self.sides.append((title, names))

    def clean(self) -> dict:
        cleaned = super().clean()
        for side, title in (("need", _("For the organisation")),
                            ("offer", _("For the one who helps"))):  # fmt: skip
            total = sum(v or 0 for k, v in cleaned.items() if k.startswith(f"{side}."))
            if not self.errors and total == 0:
                raise forms.ValidationError(
                    _("%(side)s: at least one part must weigh more than 0.") % {"side": title}
                )
        return cleaned
