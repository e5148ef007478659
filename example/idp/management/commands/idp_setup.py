"""Migrate and seed the provider: realms, keys, clients and users (idempotent)."""

from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand

from example.idp import seed
from example.idp.models import Application, Realm, RealmKey
from example.idp.realms import stored_username


class Command(BaseCommand):
    help = "Create the provider's realms, signing keys, clients and users."

    def add_arguments(self, parser):
        parser.add_argument("--redirect-uri", action="append", default=[],
                            help="A redirect URI of the 'eha' client (repeat); matched exactly, "
                                 "or as a prefix when it ends in '*', as Keycloak does.")
        parser.add_argument("--post-logout-redirect-uri", action="append", default=[],
                            help="A post-logout redirect URI of the 'eha' client (repeat).")
        parser.add_argument("--backchannel-logout-uri", default="",
                            help="Where the 'eha' client receives back-channel logout tokens.")

    def handle(self, *args, **options):
        call_command("migrate", verbosity=0, interactive=False)
        uris = (" ".join(options["redirect_uri"] or ["http://testserver/*"]),
                " ".join(options["post_logout_redirect_uri"]))
        for name in seed.REALMS:
            realm, _ = Realm.objects.get_or_create(name=name)
            if not realm.keys.exists():
                RealmKey.generate(realm)
            for client_id, confidential, audiences in seed.CLIENTS:
                self._client(realm, client_id, confidential, audiences, uris,
                             options["backchannel_logout_uri"] if client_id == seed.CLIENT_ID
                             else "")
            for username, first, last, email, roles in seed.USERS.get(name, []):
                self._user(name, username, first, last, email, roles)
        self.stdout.write(f"Realms: {', '.join(seed.REALMS)}")

    def _client(self, realm, client_id, confidential, audiences, uris, backchannel):
        Application.objects.filter(realm=realm, client_id=client_id).delete()
        Application.objects.create(
            realm=realm, client_id=client_id, name=f"{realm.name}/{client_id}",
            client_type=Application.CLIENT_CONFIDENTIAL if confidential
            else Application.CLIENT_PUBLIC,
            client_secret=seed.client_secret(realm.name, client_id) if confidential else "",
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=uris[0], post_logout_redirect_uris=uris[1],
            algorithm=Application.RS256_ALGORITHM, skip_authorization=True,
            audiences=audiences, backchannel_logout_uri=backchannel)

    def _user(self, realm, username, first, last, email, roles):
        user, _ = User.objects.get_or_create(username=stored_username(realm, username))
        user.first_name, user.last_name, user.email = first, last, email
        user.set_password(seed.password(realm, username))
        user.save()
        user.groups.set([Group.objects.get_or_create(name=role)[0] for role in roles])
