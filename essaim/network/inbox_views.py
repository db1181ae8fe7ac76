"""The inbox: the network's contact form and "write to this organisation", the messages sorted
by reason for those who handle them (with why, a way to set the reason right, answers from
templates), the reply link an organisation without an account receives, and the reasons,
examples and templates the network writes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from essaim.atlas.models import Organisation
from essaim.atlas.models import Status as OrganisationStatus
from essaim.core.permissions import NotAllowed, allows, check_moderator

from .actions import inbox as actions
from .forms import ContactForm, ExampleForm, ReplyForm, ResortForm, TemplateForm, WritingReasonForm
from .inbox import UNSURE
from .models import Message, Reason, ReplyTemplate

MESSAGES_PER_HOUR = "5/h"


def _write(request, organisation: Organisation | None) -> HttpResponseBase:
    form = ContactForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if getattr(request, "limited", False):
            form.add_error(None, _("Too many messages from here: try again in an hour."))
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                actions.do_receive(organisation, data["sender_name"], data["sender_email"],
                                   data["subject"], data["body"],
                                   translation.get_language() or "")  # fmt: skip
            except NotAllowed as refused:
                form.add_error(None, refused.reason)
                status = 409
            else:
                return render(request, "network/message_sent.html", {"organisation": organisation})
        else:
            status = 400
    return render(request, "network/contact.html", {
        "form": form, "organisation": organisation,
        "via_network": organisation is not None and not actions.may_write_to(organisation),
    }, status=status)  # fmt: skip


@ratelimit(key="ip", rate=MESSAGES_PER_HOUR, method="POST", block=False)
def contact(request) -> HttpResponseBase:
    return _write(request, None)


@ratelimit(key="ip", rate=MESSAGES_PER_HOUR, method="POST", block=False)
def write_to(request, pk: int) -> HttpResponseBase:
    organisation = get_object_or_404(Organisation, pk=pk, status=OrganisationStatus.PUBLISHED)
    return _write(request, organisation)


@login_required
def inbox(request) -> HttpResponseBase:
    actions.default_reasons()
    shown = actions.visible_messages(request.user)
    wanted = request.GET.get("reason", "")
    spam = request.GET.get("spam") == "1"
    state = request.GET.get("state", "new")
    counts: dict[str, int] = {}
    waiting = shown.filter(state=Message.State.NEW).values("reason__code", "reason__route")
    for row in waiting.annotate(n=Count("id")):
        hidden = row["reason__route"] == Reason.Route.HIDDEN
        key = "spam" if hidden else row["reason__code"] or ""
        counts[key] = counts.get(key, 0) + row["n"]
    shown = shown.filter(reason__route=Reason.Route.HIDDEN) if spam else shown.exclude(
        reason__route=Reason.Route.HIDDEN)  # fmt: skip
    if wanted:
        shown = shown.filter(reason__code=wanted)
    if state in Message.State.values:
        shown = shown.filter(state=state)
    return render(request, "network/inbox.html", {
        "messages_shown": shown[:200],
        "reasons": [(r, counts.get(r.code, 0)) for r in Reason.objects.exclude(
            route=Reason.Route.HIDDEN)],  # fmt: skip
        "spam_count": counts.get("spam", 0), "spam": spam, "wanted": wanted, "state": state,
        "states": Message.State.choices, "overdue": actions.overdue(request.user),
        "can_manage": allows(check_moderator, request.user), "unsure": UNSURE,
    })  # fmt: skip


def _message(request, pk: int) -> Message:
    message = get_object_or_404(Message.objects.select_related("reason", "organisation"), pk=pk)
    actions.check_handle(request.user, message)
    return message


def _message_page(request, message: Message, reply: ReplyForm | None = None, status: int = 200):
    templates = ReplyTemplate.objects.all()
    wanted = request.GET.get("template", "")
    chosen = templates.filter(pk=wanted).first() if wanted.isascii() and wanted.isdigit() else None
    if reply is None:
        reply = ReplyForm(initial={"body": chosen.body if chosen else ""})
    reasons = {r.code: r.label for r in Reason.objects.all()}
    return render(request, "network/message.html", {
        "message": message, "reply": reply, "templates": templates, "chosen": chosen,
        "resort": ResortForm(initial={"reason": message.reason_id}),
        "why": [{**w, "label": reasons.get(w["reason"], w["reason"])} for w in message.why],
        "unsure": message.confidence < UNSURE and message.sorted_by_id is None,
        "replies": message.replies.select_related("by"),
        "is_staff": allows(check_moderator, request.user),
    }, status=status)  # fmt: skip


@login_required
def message(request, pk: int) -> HttpResponseBase:
    return _message_page(request, _message(request, pk))


@require_POST
@login_required
def answer(request, pk: int) -> HttpResponseBase:
    item = _message(request, pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _message_page(request, item, form, status=400)
    actions.do_reply(request.user, item, form.cleaned_data["body"])
    messages.success(request, _("Your answer is sent."))
    return redirect(item)


@require_POST
@login_required
def resort(request, pk: int) -> HttpResponseBase:
    item = _message(request, pk)
    step = request.POST.get("step", "")
    if step == "close":
        actions.do_close(request.user, item)
        messages.success(request, _("Closed."))
        return redirect("network-inbox")
    form = ResortForm(request.POST)
    if form.is_valid():
        actions.do_resort(request.user, item, form.cleaned_data["reason"])
        messages.success(request, _("Sorted again: the inbox learns from it."))
    else:
        messages.error(request, _("Choose a reason."))
    return redirect(item)


@ratelimit(key="ip", rate=MESSAGES_PER_HOUR, method="POST", block=True)
def reply_by_link(request, token: str) -> HttpResponseBase:
    """The organisation with no account on Essaim answers from the link it was mailed."""
    item = actions.message_of_token(token)
    if item is None:
        return render(request, "network/reply_by_link.html", {"invalid": True}, status=404)
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.do_reply(None, item, form.cleaned_data["body"])
        return render(request, "network/reply_by_link.html", {"done": True, "message": item})
    return render(request, "network/reply_by_link.html", {
        "form": form, "message": item,
    }, status=400 if request.method == "POST" else 200)  # fmt: skip


@login_required
def reasons(request) -> HttpResponseBase:
    """The reasons, their routes and examples; reply templates. For the moderators."""
    check_moderator(request.user)
    actions.default_reasons()
    forms = {"reason": WritingReasonForm(prefix="reason"), "example": ExampleForm(prefix="example"),
             "template": TemplateForm(prefix="template")}  # fmt: skip
    status = 200
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        if kind == "reason":
            form = forms["reason"] = WritingReasonForm(request.POST, prefix="reason")
            if form.is_valid():
                actions.do_save_reason(request.user, form.instance)
        elif kind == "example":
            form = forms["example"] = ExampleForm(request.POST, prefix="example")
            if form.is_valid():
                actions.do_add_example(request.user, form.cleaned_data["reason"],
                                       form.cleaned_data["text"])  # fmt: skip
        elif kind == "template":
            form = forms["template"] = TemplateForm(request.POST, prefix="template")
            if form.is_valid():
                actions.do_save_template(request.user, form.instance)
        else:
            raise NotAllowed(_("Unknown step."))
        if form.is_valid():
            messages.success(request, _("Saved."))
            return redirect("network-reasons")
        status = 400
    return render(request, "network/reasons.html", {
        **forms, "status": status,
        "reasons": Reason.objects.prefetch_related("examples"),
        "templates": ReplyTemplate.objects.select_related("reason"),
    }, status=status)  # fmt: skip
