from django.shortcuts import render
from django.views.generic import TemplateView

from eha_auth.proxy.mixins import AccessiblesMixin


def index(request):
    return render(request, "demo/index.html")


class ProxyAccountsView(AccessiblesMixin, TemplateView):
    """The accounts a proxy (or mockup) session says the user manages or reaches."""

    template_name = "demo/proxy_accounts.html"
