"""A small external service for the demo and the tests of eha_apptoken.

    python -m example.extapp <port>          # EXTAPP_SERVICE_TOKEN sets the service token

It behaves like another eha service: a token endpoint (``/token``) where the
service token (a staff account) obtains a token for a named user, data
endpoints that need a user token (or a gateway token header), and
``/_admin/...`` endpoints (service token only) that let tests revoke tokens,
slow the token endpoint down and read what the service received.
Routes answer at the root and below any prefix ending in ``/api``
(``/api/echo``, ``/<realm>/api/echo``).
"""
