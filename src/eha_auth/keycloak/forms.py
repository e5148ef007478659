"""Login forms: a realm (chooser or field), and the realm with username and password."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..conf import app_settings
from ..oidc.realms import is_allowed_realm


class RealmForm(forms.Form):
    """Choose the realm (a list when KEYCLOAK_REALMS is set, else a text field)."""

    realm = forms.CharField(label=_("Realm"), max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        realms = app_settings.KEYCLOAK_REALMS
        if realms and not app_settings.KEYCLOAK_REALM_RESOLVER:
            self.fields["realm"] = forms.ChoiceField(
                label=_("Realm"), choices=[(realm, realm) for realm in realms])

    def clean_realm(self) -> str:
        realm = self.cleaned_data["realm"].strip()
        if not is_allowed_realm(realm):
            raise forms.ValidationError(_("Unknown realm."), code="unknown_realm")
        return realm


class PasswordLoginForm(RealmForm):
    """Realm, username and password, sent to the realm's provider (password grant)."""

    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
