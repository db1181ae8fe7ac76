"""The member's own pages: profile and consent, API keys, their data, and deleting it all."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import actions
from .forms import ConsentForm, DeleteAccountForm, TokenForm
from .models import ApiToken


@login_required
def profile(request) -> HttpResponseBase:
    user = request.user
    consent = ConsentForm(initial={"newsletter": bool(user.newsletter_consented_at)})
    token_form = TokenForm()
    new_key = None
    if request.method == "POST" and request.POST.get("form") == "consent":
        consent = ConsentForm(request.POST)
        if consent.is_valid():
            actions.do_set_newsletter_consent(user, consent.cleaned_data["newsletter"])
            messages.success(request, _("Your choice is saved."))
            return redirect("account-profile")
    elif request.method == "POST" and request.POST.get("form") == "token":
        token_form = TokenForm(request.POST)
        if token_form.is_valid():
            _token, new_key = actions.do_create_api_token(user, token_form.cleaned_data["name"])
            token_form = TokenForm()
    return render(
        request,
        "accounts/profile.html",
        {
            "consent": consent,
            "token_form": token_form,
            "new_key": new_key,
            "tokens": user.api_tokens.all(),
            "representations": user.representations.select_related("organisation"),
            "suggestions": user.suggestions.select_related("organisation")[:50],
        },
    )


@login_required
@require_POST
def revoke_token(request, pk: int) -> HttpResponseBase:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    actions.do_revoke_api_token(token)
    messages.success(request, _("The key is revoked."))
    return redirect("account-profile")


@login_required
def delete_account(request) -> HttpResponseBase:
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        actions.do_delete_account(user)
        messages.success(
            request, _("Your account is deleted. Your contributions stay, anonymised.")
        )
        return redirect("home")
    return render(request, "accounts/delete.html", {"form": form})
