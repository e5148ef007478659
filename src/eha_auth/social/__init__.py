"""Social login (social-auth-app-django): users put in a realm, realm-prefixed usernames.

``pipeline`` holds the steps to list in SOCIAL_AUTH_PIPELINE, ``urls`` the begin and
complete views (errors answered 4xx/503 with a message), ``methods`` the login page entries.
"""
