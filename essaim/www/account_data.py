"""A member's data, gathered from every domain (GDPR articles 15 and 20): a page above the
domains, which never import it."""

import json

from allauth.account.models import EmailAddress
from django.contrib.auth.decorators import login_required
from django.db.models.functions import Lower
from django.http import HttpResponse
from django.http.response import HttpResponseBase

from essaim.accounts.models import User
from essaim.atlas.models import Change
from essaim.commons.models import Event, Opportunity, Registration, Resource
from essaim.core.models import AuditEntry
from essaim.network.models import Membership, Message
from essaim.observatory.models import EventFeedback


def personal_data(user: User) -> dict:
    """Everything Essaim keeps about a member, for them to download (GDPR article 20)."""
    addresses = {user.email.lower()} | {
        address.email.lower() for address in EmailAddress.objects.filter(user=user, verified=True)
    }
    return {
        "account": {
            "email": user.email,
            "joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "moderator": user.is_moderator,
            "newsletter_consented_at": user.newsletter_consented_at.isoformat()
            if user.newsletter_consented_at
            else None,
            "language": user.language,
        },
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user)
        ],
        "suggestions": [
            {
                "organisation": s.organisation_id,
                "proposed": s.proposed,
                "comment": s.comment,
                "status": s.status,
                "reason": s.reason,
                "created_at": s.created_at.isoformat(),
            }
            for s in user.suggestions.all()
        ],
        "reports": [
            {
                "organisation": r.organisation_id,
                "reason": r.reason,
                "comment": r.comment,
                "status": r.status,
                "created_at": r.created_at.isoformat(),
            }
            for r in user.reports.all()
        ],
        "representations": [
            {"organisation": r.organisation_id, "status": r.status}
            for r in user.representations.all()
        ],
        "changes": [
            {"organisation": c.organisation_id, "fields": c.fields, "at": c.created_at.isoformat()}
            for c in Change.objects.filter(author=user)
        ],
        "diagnostic_responses": [
            {
                "diagnostic": r.diagnostic_id,
                "organisation": r.diagnostic.organisation_id,
                "role": r.role,
                "answers": r.answers,
                "tools": r.tools,
                "started": r.created_at.isoformat(),
                "sent": r.submitted_at.isoformat() if r.submitted_at else None,
            }
            for r in user.diagnostic_responses.select_related("diagnostic")
        ],  # fmt: skip
        "saved_searches": [
            {"query": s.query, "language": s.language, "created_at": s.created_at.isoformat()}
            for s in user.saved_searches.all()
        ],
        "event_registrations": [
            {
                "event": r.event.title.text,
                "name": r.name,
                "email": r.email,
                "organisation": r.organisation_name,
                "seat_locality": r.seat_locality,
                "status": r.status,
                "created_at": r.created_at.isoformat(),
            }
            for r in Registration.objects.filter(email__in=addresses).select_related("event")
        ],  # fmt: skip
        "contributions": [
            {
                "kind": item._meta.model_name,
                "title": item.title.text,
                "publication": item.publication,
                "created_at": item.created_at.isoformat(),
            }
            for model in (Resource, Event, Opportunity)
            for item in model.objects.filter(contributed_by=user)
        ],  # fmt: skip
        "audit_trail": [
            {"action": entry.action, "item": entry.target_id, "at": entry.at.isoformat()}
            for entry in AuditEntry.objects.filter(actor=user).order_by("pk")
        ],
        "api_tokens": [
            {"name": t.name, "prefix": t.prefix, "created_at": t.created_at.isoformat()}
            for t in user.api_tokens.all()
        ],
        "membership": _membership(user),
        # Messages written from the contact forms with one of the account's addresses.
        "messages_sent": [
            {
                "to": m.organisation.name if m.organisation else "network",
                "subject": m.subject,
                "body": m.body,
                "received_at": m.received_at.isoformat(),
                "answers": [r.body for r in m.replies.all()],
            }
            for m in Message.objects.annotate(address=Lower("sender_email"))
            .filter(address__in=addresses)
            .select_related("organisation")
            .prefetch_related("replies")
        ],  # fmt: skip
        "event_feedback": [
            {"event": f.event_id, "text": f.text, "created_at": f.created_at.isoformat()}
            for f in EventFeedback.objects.filter(user=user)
        ],
    }


def _membership(user: User) -> dict | None:
    """An individual member's record (an organisation's is the organisation's)."""
    membership = Membership.objects.filter(person=user).first()
    if membership is None:
        return None
    return {
        "kind": membership.kind,
        "language": membership.language,
        "applied_on": membership.applied_on.isoformat(),
        "approved_on": membership.approved_on.isoformat() if membership.approved_on else None,
        "paid_until": membership.paid_until.isoformat() if membership.paid_until else None,
        "resigned_on": membership.resigned_on.isoformat() if membership.resigned_on else None,
        "refused_on": membership.refused_on.isoformat() if membership.refused_on else None,
        "excluded_on": membership.excluded_on.isoformat() if membership.excluded_on else None,
        "reason": membership.reason,
        "listed": membership.listed,
        "payments": [
            {
                "paid_on": p.paid_on.isoformat(),
                "amount": str(p.amount),
                "covers_until": p.covers_until.isoformat(),
            }
            for p in membership.payments.all()
        ],  # fmt: skip
        "history": [
            {"step": d.step, "on": d.on.isoformat(), "reason": d.reason}
            for d in membership.history.all()
        ],  # fmt: skip
    }


@login_required
def download_data(request) -> HttpResponseBase:
    response = HttpResponse(
        json.dumps(personal_data(request.user), ensure_ascii=False, indent=2),
        content_type="application/json",
    )
    response["Content-Disposition"] = 'attachment; filename="essaim-my-data.json"'
    return response
