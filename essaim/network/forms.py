"""The membership register's forms: the terms, an application, a fee, a decision's reason."""

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from essaim.atlas.models import Organisation
from essaim.core.fields import DateInput

from .models import Terms


class TermsForm(forms.ModelForm):
    countries = forms.CharField(
        label=_("Countries admitted"), required=False, max_length=800,
        help_text=_("Their two-letter codes, separated by commas (FR, BE, CA); empty: every "
                    "country."),
    )  # fmt: skip

    class Meta:
        model = Terms
        fields = ["explanation", "families", "legal_forms", "countries", "approval", "fee",
                  "grace_days", "notice_days"]  # fmt: skip
        widgets = {"families": forms.CheckboxSelectMultiple,
                   "legal_forms": forms.CheckboxSelectMultiple,
                   "explanation": forms.Textarea(attrs={"rows": 4})}  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["countries"] = ", ".join(self.instance.countries or [])

    def clean_countries(self) -> list[str]:
        codes = [c.strip().upper() for c in self.cleaned_data["countries"].split(",") if c.strip()]
        unknown = [code for code in codes if code not in dict(countries)]
        if unknown:
            raise forms.ValidationError(_("Unknown country codes: %(codes)s.")
                                        % {"codes": ", ".join(unknown)})  # fmt: skip
        return list(dict.fromkeys(codes))


class ApplyForm(forms.Form):
    member = forms.ChoiceField(label=_("Who joins"), widget=forms.RadioSelect)
    listed = forms.BooleanField(label=_("List us on the public list of members"), required=False)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = {str(org.pk): org for org in organisations}
        self.fields["member"].choices = [
            *((pk, org.name) for pk, org in self.organisations.items()),
            ("individual", _("Myself, as an individual member")),
        ]

    def organisation(self) -> Organisation | None:
        return self.organisations.get(self.cleaned_data["member"])


class PaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput())
    amount = forms.DecimalField(label=_("Amount (EUR)"), min_value=0, max_digits=8,
                                decimal_places=2)  # fmt: skip

    def clean_paid_on(self) -> date:
        day, today = self.cleaned_data["paid_on"], timezone.localdate()
        if day > today:
            raise forms.ValidationError(_("A fee is recorded once paid: not a future day."))
        if day < today.replace(year=today.year - 2, day=min(today.day, 28)):
            raise forms.ValidationError(_("A fee paid more than two years ago is not recorded."))
        return day


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
