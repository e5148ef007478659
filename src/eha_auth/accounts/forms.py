"""The password login form: the username is typed without its realm prefix."""

from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm

from ..users import realm_username
from .realms import current_realm, is_member


class RealmAuthenticationForm(AuthenticationForm):
    """Sign in to the current realm with the plain or the realm-prefixed username."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "not_member": "This account is not a member of this realm.",
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return self.cleaned_data
        realm = current_realm(self.request) if self.request is not None else None
        for candidate in dict.fromkeys([realm_username(realm, username), username]):
            self.user_cache = authenticate(self.request, username=candidate, password=password)
            if self.user_cache is not None:
                break
        else:
            raise self.get_invalid_login_error()
        self.confirm_login_allowed(self.user_cache)
        if not is_member(self.user_cache, realm):
            raise forms.ValidationError(self.error_messages["not_member"], code="not_member")
        return self.cleaned_data
