"""The observatory's forms: an observation, an import, an indicator, a goal, a survey and its
questions, an organisation's answers, and a person's word on what people said."""

from datetime import date
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from essaim.atlas.models import Family
from essaim.core.fields import DateInput

from .history import DIMENSIONS
from .imports import parse_period
from .models import Goal, Indicator, Observation, Question, Statement, Survey, Territory

MAX_CHOICES = 30


class TerritoryChoice(forms.ModelChoiceField):
    """Territories grouped by scheme, named with their code."""

    def __init__(self, **kwargs):
        super().__init__(Territory.objects.order_by("scheme", "name"), **kwargs)

    def label_from_instance(self, obj: Territory) -> str:
        return f"{obj.label} ({obj.key})"


class ObservationForm(forms.Form):
    territory = TerritoryChoice(label=_("Territory"))
    family = forms.ModelChoiceField(
        Family.objects.all(), required=False, label=_("ESS family"),
        empty_label=_("The whole social economy"),
    )  # fmt: skip
    period = forms.CharField(
        label=_("Period"), max_length=30,
        help_text=_("A year (2014), years (2014-2016), a date (2014-06-30) or two dates "
                    "(2014-01-01/2014-06-30)."),
    )  # fmt: skip
    value = forms.DecimalField(label=_("Value"), max_digits=16, decimal_places=2)
    state = forms.ChoiceField(
        label=_("State"), choices=Observation.State.choices, initial=Observation.State.FINAL
    )
    source = forms.CharField(label=_("Source"), max_length=200)
    method = forms.CharField(label=_("Method"), max_length=2000, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip

    def __init__(self, *args, indicator: Indicator, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator = indicator

    def clean_period(self) -> tuple[date, date]:
        period = parse_period(self.cleaned_data["period"])
        if period is None:
            raise forms.ValidationError(_("Write a year, two years, a date or two dates."))
        return period

    def clean_value(self) -> Decimal:
        value = self.cleaned_data["value"]
        if value < 0 and self.indicator.counts:
            raise forms.ValidationError(_("A count cannot be negative."))
        if self.indicator.counts and value != value.to_integral_value():
            raise forms.ValidationError(_("A count is a whole number."))
        return value

    def clean(self) -> dict:
        data = super().clean()
        if "period" in data and data.get("territory"):
            start, end = data["start"], data["end"] = data["period"]
            overlapping = Observation.objects.filter(
                indicator=self.indicator, territory=data["territory"], family=data.get("family"),
                period_start__lte=end, period_end__gte=start,
            ).exclude(period_start=start, period_end=end)  # fmt: skip
            if clash := overlapping.first():
                self.add_error("period", _("This period overlaps the one recorded for %(period)s.")
                               % {"period": clash.period_label})  # fmt: skip
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8, at most 5 MB."))
    partial = forms.BooleanField(
        label=_("Keep the valid lines even if others are rejected"), required=False
    )


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = ["code", "label_fr", "label_en", "label_it", "label_es", "unit", "description",
                  "computed"]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class GoalForm(forms.ModelForm):
    territory = TerritoryChoice(label=_("Territory"))

    class Meta:
        model = Goal
        fields = ["title", "owner", "indicator", "territory", "family", "baseline_date",
                  "baseline_value", "target_date", "target_value"]  # fmt: skip
        widgets = {"baseline_date": DateInput(),
                   "target_date": DateInput()}  # fmt: skip

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("baseline_date"), data.get("target_date")
        if start and end and end <= start:
            self.add_error("target_date", _("The deadline comes after the baseline."))
        return data


class CountsForm(forms.Form):
    """The atlas's counts on a date, by one dimension."""

    on = forms.DateField(label=_("On"), widget=DateInput())
    by = forms.ChoiceField(label=_("By"), choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["by"].choices = dimension_choices()

    def clean_on(self) -> date:
        day = self.cleaned_data["on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Choose a day that has passed, or today."))
        return day


def dimension_choices() -> list[tuple[str, str]]:
    labels = {
        "family": _("ESS family"), "sector": _("Sector"), "legal_form": _("Legal form"),
        "country": _("Country"), "region": _("Region"), "fr-departement": _("Département (France)"),
        "size_band": _("Size"),
    }  # fmt: skip
    return [(name, labels[name]) for name in DIMENSIONS]


class SurveyForm(forms.ModelForm):
    families = forms.ModelMultipleChoiceField(
        Family.objects.all(), required=False, widget=forms.CheckboxSelectMultiple,
        label=_("Families asked"), help_text=_("None ticked: every family."),
    )  # fmt: skip
    country = forms.ChoiceField(label=_("Country asked"), required=False)

    class Meta:
        model = Survey
        fields = ["title", "year", "language", "closes_on", "introduction", "country"]
        widgets = {"closes_on": DateInput(),
                   "introduction": forms.Textarea(attrs={"rows": 4})}  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("Every country")), *countries]
        if self.instance.pk:
            self.fields["families"].initial = list(self.instance.families.all())


class QuestionForm(forms.ModelForm):
    choices = forms.CharField(
        label=_("Choices"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line, for questions with choices."),
    )  # fmt: skip
    families = forms.ModelMultipleChoiceField(
        Family.objects.all(), required=False, widget=forms.CheckboxSelectMultiple,
        label=_("Only for these families"), help_text=_("None ticked: asked of everyone."),
    )  # fmt: skip

    class Meta:
        model = Question
        fields = ["text", "kind", "choices", "allows_other", "required", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["choices"] = "\n".join(self.instance.choices)
            self.fields["families"].initial = list(self.instance.families.all())

    def clean_choices(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["choices"].splitlines()]
        items = list(dict.fromkeys(line for line in lines if line))
        if OTHER in items:
            raise forms.ValidationError(_("“%(name)s” is kept for “other”.") % {"name": OTHER})
        if len(items) > MAX_CHOICES:
            raise forms.ValidationError(_("At most %(n)s choices.") % {"n": MAX_CHOICES})
        if any(len(item) > 200 for item in items):
            raise forms.ValidationError(_("A choice is at most 200 characters."))
        return items

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("kind")
        with_choices = kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE)
        if with_choices and len(data.get("choices") or []) < 2:
            self.add_error("choices", _("Give at least two choices, one per line."))
        if not with_choices:
            data["choices"] = []
            data["allows_other"] = False
        return data


OTHER = "__other__"


class AnswerForm(forms.Form):
    """An organisation's answers: one field per question asked of its families."""

    def __init__(self, *args, questions: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields.update(self._fields_for(question))

    @staticmethod
    def _fields_for(question: Question) -> dict:
        name = f"q{question.pk}"
        # With "other", an answer in its words alone is enough: `clean` asks for one of both.
        required = question.required and not question.allows_other
        options = {"label": question.text, "required": required}
        kind = question.kind
        if question.has_choices:
            choices = [(choice, choice) for choice in question.choices]
            if question.allows_other:
                choices.append((OTHER, _("Other")))
            if kind == Question.Kind.SINGLE:
                field = forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **options)
            else:
                field = forms.MultipleChoiceField(
                    choices=choices, widget=forms.CheckboxSelectMultiple, **options
                )
            fields = {name: field}
            if question.allows_other:
                fields[f"{name}_other"] = forms.CharField(
                    label=_("Other, in your words"), max_length=300, required=False
                )
            return fields
        if kind == Question.Kind.SCALE:
            scale = [(str(n), str(n)) for n in range(1, 6)]
            return {name: forms.TypedChoiceField(
                choices=scale, coerce=int, widget=forms.RadioSelect,
                help_text=_("1: not at all, 5: completely."), **options)}  # fmt: skip
        if kind == Question.Kind.NUMBER:
            return {name: forms.DecimalField(max_digits=16, decimal_places=2, min_value=0,
                                             **options)}  # fmt: skip
        if kind == Question.Kind.SHORT:
            return {name: forms.CharField(max_length=300, **options)}
        return {name: forms.CharField(max_length=3000, widget=forms.Textarea(attrs={"rows": 4}),
                                      **options)}  # fmt: skip

    def rows(self) -> list[tuple]:
        """(question, its field, its "other" field or None), for the page to group them."""
        return [(q, self[f"q{q.pk}"], self[f"q{q.pk}_other"] if q.allows_other else None)
                for q in self.questions]  # fmt: skip

    def clean(self) -> dict:
        data = super().clean()
        for question in self.questions:
            name = f"q{question.pk}"
            if not question.allows_other:
                continue
            picked = data.get(name) or []
            picked = picked if isinstance(picked, list) else [picked]
            other = (data.get(f"{name}_other") or "").strip()
            if question.required and not picked and not other and name not in self.errors:
                self.add_error(name, _("This field is required."))
            if OTHER in picked and not other:
                self.add_error(f"{name}_other", _("Say what “other” is."))
            if other and OTHER not in picked:
                if question.kind == Question.Kind.MULTIPLE:
                    data[name] = [*picked, OTHER]
                elif not picked:
                    data[name] = OTHER
                else:
                    self.add_error(f"{name}_other", _("Choose “Other” to answer in your words."))
        return data

    def answers(self) -> dict[int, dict]:
        """{question id: Answer fields} for the questions answered."""
        found = {}
        for question in self.questions:
            value = self.cleaned_data.get(f"q{question.pk}")
            if value in (None, "", []):
                continue
            if question.has_choices:
                picked = value if isinstance(value, list) else [value]
                found[question.pk] = {
                    "choices": [choice for choice in picked if choice != OTHER],
                    "other": self.cleaned_data.get(f"q{question.pk}_other", "").strip()
                    if OTHER in picked else "",
                }  # fmt: skip
            elif question.kind in (Question.Kind.SCALE, Question.Kind.NUMBER):
                found[question.pk] = {"number": Decimal(value)}
            else:
                found[question.pk] = {"text": value.strip()}
        return found


class EventFeedbackForm(forms.Form):
    text = forms.CharField(
        label=_("How was it, in your words?"), max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )  # fmt: skip


class CheckForm(forms.Form):
    sentiment = forms.ChoiceField(
        label=_("Sentiment"), choices=Statement.Sentiment.choices, widget=forms.RadioSelect
    )
