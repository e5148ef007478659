"""The same sign-ins from Django's TestCase: no pytest needed (``manage.py test`` runs it)."""

from django.test import TestCase

from eha_testkit import KitMixin, make_user, mint_gateway_token


class DemoSignInTests(KitMixin, TestCase):
    def setUp(self):
        self.alice = make_user("alpha", "alice")

    def test_gateway_header(self):
        client = self.kit.signed_in(self.alice, "alpha", method="gateway")
        self.assertEqual(client.get("/alpha/demo/api/whoami/").status_code, 200)

    def test_an_expired_token_is_refused(self):
        token = mint_gateway_token("alpha", self.alice, expires_in=-600)
        answer = self.client.get("/alpha/demo/api/whoami/", HTTP_X_OAUTH_TOKEN=token)
        self.assertEqual(answer.status_code, 401)

    def test_api_token(self):
        client = self.kit.signed_in(self.alice, "alpha", method="api_token")
        self.assertEqual(client.get("/token").status_code, 200)
