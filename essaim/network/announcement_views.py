"""Announcements: the archive and its Atom feed for everyone, the animators' writing and
sending with the counts, and the one-click unsubscribe every message carries."""

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import linebreaks_filter
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt

from essaim.core.permissions import NotAllowed, allows, check_moderator

from .actions import announcements as actions
from .forms import AnnouncementForm
from .models import Announcement

PUBLISHED = (Announcement.State.SENDING, Announcement.State.SENT)


def _language() -> str:
    return (translation.get_language() or "")[:2]


def archive(request) -> HttpResponseBase:
    can_manage = allows(check_moderator, request.user)
    shown = Announcement.objects.all() if can_manage else Announcement.objects.filter(
        state__in=PUBLISHED)  # fmt: skip
    return render(request, "network/announcements.html", {
        "announcements": [(a, a.text(_language())) for a in shown],
        "can_manage": can_manage,
    })  # fmt: skip


def announcement(request, pk: int) -> HttpResponseBase:
    item = get_object_or_404(Announcement, pk=pk)
    can_manage = allows(check_moderator, request.user)
    if item.state not in PUBLISHED and not can_manage:
        raise NotAllowed(_("This announcement is still a draft."))
    return render(request, "network/announcement.html", {
        "announcement": item, "text": item.text(_language()), "can_manage": can_manage,
        "unsubscribed": item.unsubscriptions.count(),
        "waiting": item.deliveries.count() if can_manage else 0,
        "languages": [name for code, name in settings.LANGUAGES if code in item.texts],
    })  # fmt: skip


@login_required
def write(request, pk: int | None = None) -> HttpResponseBase:
    check_moderator(request.user)
    item = get_object_or_404(Announcement, pk=pk) if pk else Announcement()
    if item.state != Announcement.State.DRAFT:
        messages.error(request, _("This announcement has been sent: it no longer changes."))
        return redirect(item)
    form = AnnouncementForm(request.POST or None, instance=item)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            actions.do_save_announcement(request.user, form.instance)
            messages.success(request, _("The announcement is saved: read it again, then send it."))
            return redirect(form.instance)
        status = 400
    return render(request, "network/announcement_form.html", {
        "form": form, "announcement": item,
    }, status=status)  # fmt: skip


@login_required
def send(request, pk: int) -> HttpResponseBase:
    check_moderator(request.user)
    item = get_object_or_404(Announcement, pk=pk)
    if request.method == "POST":
        try:
            count = actions.do_send_announcement(request.user, item)
        except NotAllowed as refused:
            messages.error(request, refused.reason)
        else:
            messages.success(request, _("Sending to %(count)d recipients, in the background.")
                             % {"count": count})  # fmt: skip
    return redirect(item)


@csrf_exempt  # the mail reader's one-click POST (RFC 8058) carries no token but the link's
def unsubscribe(request, token: str) -> HttpResponseBase:
    found = actions.read_unsubscribe_token(token)
    if found is None:
        return render(request, "network/unsubscribe.html", {"invalid": True}, status=404)
    address, announcement_pk = found
    if request.method == "POST":
        actions.do_unsubscribe(address, announcement_pk)
        return render(request, "network/unsubscribe.html", {"done": True, "address": address})
    return render(request, "network/unsubscribe.html", {"address": address})


class AnnouncementFeed(Feed):
    feed_type = Atom1Feed
    title = gettext_lazy("The network's announcements")
    subtitle = gettext_lazy("News from the network's animators.")

    def link(self) -> str:
        return reverse("network-announcements")

    def items(self) -> list[Announcement]:
        return list(Announcement.objects.filter(state__in=PUBLISHED)[:30])

    def item_title(self, item: Announcement) -> str:
        return item.text(_language())["subject"]

    def item_description(self, item: Announcement) -> str:
        return linebreaks_filter(item.text(_language())["body"], autoescape=True)

    def item_pubdate(self, item: Announcement) -> datetime | None:
        return item.sent_at


feed = AnnouncementFeed()
