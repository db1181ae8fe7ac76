"""The network's forms: membership (terms, applications, fees, decisions), votes and proxies,
proposals, announcements, and the inbox (contact, answers, reasons, examples, templates)."""

import re
from datetime import date

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from essaim.atlas.models import Organisation
from essaim.core.fields import DateInput, DateTimeInput, Honeypot
from essaim.core.text import CheckedText

from .models import Announcement, Membership, Proposal, Reason, ReplyTemplate, Terms, Vote


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


class WeightForm(forms.Form):
    weight = forms.IntegerField(
        label=_("Weight in weighted votes"), min_value=1, max_value=1000,
        help_text=_("Counted only in the votes the board makes weighted; 1 in all others."),
    )  # fmt: skip


class VoteForm(forms.ModelForm):
    """A vote's question and rules, set by the board before it opens."""

    options = forms.CharField(
        label=_("Options"), required=False, max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For a choice among several options: one option a line (2 to 10)."),
    )  # fmt: skip

    class Meta:
        model = Vote
        fields = ["question", "explanation", "kind", "options", "secret", "results", "opens_at",
                  "closes_at", "quorum", "majority", "proxy_cap", "weighted"]  # fmt: skip
        widgets = {"explanation": forms.Textarea(attrs={"rows": 4}),
                   "kind": forms.RadioSelect, "results": forms.RadioSelect,
                   "majority": forms.RadioSelect,
                   "opens_at": DateTimeInput, "closes_at": DateTimeInput}  # fmt: skip
        help_texts = {
            "secret": _("Nobody, administrators included, can then tell how a member voted; "
                        "each voter gets a voting code by mail and its results show once it "
                        "closes."),
            "results": _("For a public vote; a secret one shows them when it closes."),
            "opens_at": _("Left empty: a draft; the board opens it from its page."),
        }  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["options"] = "\n".join(self.instance.options or [])
        self.fields["closes_at"].required = True

    def clean_options(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["options"].splitlines()]
        return list(dict.fromkeys(line[:200] for line in lines if line))

    def clean(self) -> dict:
        data = super().clean()
        options = data.get("options") or []
        if data.get("kind") == Vote.Kind.CHOICE and not 2 <= len(options) <= 10:
            self.add_error("options", _("Write 2 to 10 options, one a line."))
        if data.get("kind") == Vote.Kind.YES_NO:
            data["options"] = []
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if closes and closes <= max(opens or timezone.now(), timezone.now()):
            self.add_error("closes_at", _("It closes after it opens, and after now."))
        if data.get("secret"):
            data["results"] = Vote.Results.AFTER
            if data.get("weighted"):
                # A ballot's weight would tell whose it is.
                self.add_error("weighted", _("A secret ballot is not weighted: a ballot's "
                                             "weight would tell whose it is."))  # fmt: skip
        return data


class ProxyForm(forms.Form):
    giver = forms.ModelChoiceField(label=_("Our member"), queryset=Membership.objects.none())
    holder = forms.ModelChoiceField(label=_("Gives its proxy to"),
                                    queryset=Membership.objects.none())  # fmt: skip

    def __init__(self, *args, givers, holders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["giver"].queryset = Membership.objects.filter(pk__in=[m.pk for m in givers])
        self.fields["holder"].queryset = Membership.objects.filter(pk__in=[m.pk for m in holders])
        self.fields["holder"].label_from_instance = lambda m: m.name
        self.fields["giver"].label_from_instance = lambda m: m.name
        if len(givers) == 1:
            self.fields["giver"].widget = forms.HiddenInput()
            self.initial["giver"] = givers[0].pk


class ProposalForm(forms.Form):
    author = forms.ModelChoiceField(label=_("Put forward by"), queryset=Membership.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=Proposal.Kind.choices,
                             widget=forms.RadioSelect, initial=Proposal.Kind.PROPOSAL)  # fmt: skip
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(label=_("What you propose, and why"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 6}))  # fmt: skip
    regional = forms.BooleanField(
        label=_("For our region only"), required=False,
        help_text=_("Only the members of your organisation's region then support it."),
    )  # fmt: skip

    def __init__(self, *args, authors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["author"].queryset = Membership.objects.filter(pk__in=[m.pk for m in authors])
        self.fields["author"].label_from_instance = lambda m: m.name
        if len(authors) == 1:
            self.fields["author"].widget = forms.HiddenInput()
            self.initial["author"] = authors[0].pk


class AnnouncementForm(CheckedText, forms.Form):
    """Its audience, and its subject and text in each language it is written in (one to four)."""

    audience = forms.ChoiceField(label=_("To"), choices=Announcement.Audience.choices,
                                 widget=forms.RadioSelect)  # fmt: skip

    def __init__(self, *args, instance: Announcement, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.initial["audience"] = instance.audience
        self.languages = []
        for code, name in settings.LANGUAGES:
            written = instance.texts.get(code, {})
            self.fields[f"subject_{code}"] = forms.CharField(
                label=_("Subject"), max_length=200, required=False,
                initial=written.get("subject", ""),
            )  # fmt: skip
            self.fields[f"body_{code}"] = forms.CharField(
                label=_("Text"), max_length=20000, required=False, initial=written.get("body", ""),
                widget=forms.Textarea(attrs={"rows": 8}),
            )  # fmt: skip
            self.languages.append((code, name, self[f"subject_{code}"], self[f"body_{code}"]))
        self.check_text_of(field for name, field in self.fields.items() if name != "audience")

    def clean(self) -> dict:
        data = super().clean()
        texts = {}
        for code, _name in settings.LANGUAGES:
            subject = data.get(f"subject_{code}", "").strip()
            body = data.get(f"body_{code}", "").strip()
            if subject and not body:
                self.add_error(f"body_{code}", _("Write its text, or leave its subject empty."))
            elif body and not subject:
                self.add_error(f"subject_{code}", _("Give it a subject."))
            elif subject:
                texts[code] = {"subject": subject, "body": body}
        if not texts and not self.errors:
            raise forms.ValidationError(_("Write it in one language at least."))
        self.instance.texts = texts
        self.instance.audience = data.get("audience", self.instance.audience)
        return data


LINKS = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
MOST_LINKS = 5


class ContactForm(Honeypot):
    """A message to the network or to an organisation: who writes, and what."""

    sender_name = forms.CharField(label=_("Your name"), max_length=120)
    sender_email = forms.EmailField(
        label=_("Your email address"),
        help_text=_("For the answer only; it is not published."),
    )  # fmt: skip
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Your message"), max_length=10000,
                           widget=forms.Textarea(attrs={"rows": 8}))  # fmt: skip

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if len(LINKS.findall(body)) > MOST_LINKS:
            raise forms.ValidationError(
                _("At most %(most)d links in a message: keep the ones that matter."),
                params={"most": MOST_LINKS},
            )  # fmt: skip
        return body


class ReplyForm(CheckedText, forms.Form):
    body = forms.CharField(label=_("Your answer"), max_length=10000,
                           widget=forms.Textarea(attrs={"rows": 8}))  # fmt: skip


class ResortForm(forms.Form):
    reason = forms.ModelChoiceField(label=_("Reason"), queryset=Reason.objects.all())


class WritingReasonForm(CheckedText, forms.ModelForm):
    class Meta:
        model = Reason
        fields = ["code", "label_fr", "label_en", "label_it", "label_es", "route", "answer_days"]


class ExampleForm(CheckedText, forms.Form):
    reason = forms.ModelChoiceField(label=_("Reason"), queryset=Reason.objects.all())
    text = forms.CharField(
        label=_("An example of a message written for this reason"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}), help_text=_("In any language."),
    )  # fmt: skip


class TemplateForm(CheckedText, forms.ModelForm):
    class Meta:
        model = ReplyTemplate
        fields = ["title", "reason", "language", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}
