"""Password login, logout, logged-out and API tokens pages."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, login, logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from ..models import ApiToken
from ..realms import REALM_SESSION_KEY
from .forms import RealmAuthenticationForm
from .methods import enabled_methods
from .realms import current_realm
from .redirects import safe_next


class LoginView(FormView):
    """List the enabled login methods; sign in with a password when that one is on."""

    form_class = RealmAuthenticationForm
    template_name = "eha_auth/accounts/login.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def get_context_data(self, **kwargs):
        methods = enabled_methods(self.request)
        return super().get_context_data(
            methods=methods, password_enabled=any(m.form for m in methods),
            next=safe_next(self.request, self.get_next_url(), default=""), **kwargs)

    def get_next_url(self) -> str | None:
        return self.request.POST.get(REDIRECT_FIELD_NAME) or self.request.GET.get(
            REDIRECT_FIELD_NAME)

    def form_valid(self, form):
        login(self.request, form.get_user())
        realm = current_realm(self.request)
        if realm:
            self.request.session[REALM_SESSION_KEY] = realm
        return HttpResponseRedirect(safe_next(self.request, self.get_next_url()))


class LogoutView(View):
    """GET asks to confirm; POST signs out and shows the logged-out page."""

    template_name = "eha_auth/logout.html"

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return render(request, self.template_name)

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        logout(request)
        target = reverse("eha_accounts:logged-out")
        next_url = safe_next(request, request.POST.get(REDIRECT_FIELD_NAME), default="")
        return HttpResponseRedirect(next_url or target)


class LoggedOutView(TemplateView):
    template_name = "eha_auth/accounts/logged_out.html"


class TokensView(LoginRequiredMixin, View):
    """The user's API tokens: list, create (the key is shown once), revoke."""

    template_name = "eha_auth/accounts/tokens.html"
    max_days = 3650

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return self.render_page(request)

    def render_page(self, request: HttpRequest, new_key: str | None = None,
                    status: int = 200) -> HttpResponse:
        tokens = ApiToken.objects.filter(user=request.user)
        return render(request, self.template_name,
                      {"tokens": tokens, "new_key": new_key}, status=status)

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if "revoke" in request.POST:
            return self.revoke(request, request.POST["revoke"])
        name = request.POST.get("name", "").strip()[:100] or "api"
        days = request.POST.get("days", "").strip()
        if days and (not days.isdigit() or not 0 < int(days) <= self.max_days):
            messages.error(request, f"Days must be a number from 1 to {self.max_days}.")
            return self.render_page(request, status=400)
        expires = timezone.now() + timedelta(days=int(days)) if days else None
        _, key = ApiToken.create_for(request.user, name=name, expires=expires)
        return self.render_page(request, new_key=key, status=201)

    def revoke(self, request: HttpRequest, token_id: str) -> HttpResponse:
        if not token_id.isdigit():
            messages.error(request, "No such token.")
            return self.render_page(request, status=400)
        get_object_or_404(ApiToken, pk=int(token_id), user=request.user).delete()
        messages.success(request, "Token revoked.")
        return HttpResponseRedirect(reverse("eha_accounts:tokens"))
