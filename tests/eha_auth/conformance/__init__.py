"""Conformance tests: each runs against every provider in EHA_TEST_PROVIDERS (idp, keycloak)."""
