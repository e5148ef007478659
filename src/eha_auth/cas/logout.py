"""CAS single logout: end the sessions a CAS server's logout request names."""

from __future__ import annotations

import base64
import binascii
import logging
import zlib
from importlib import import_module

from django.conf import settings
from django_cas_ng.models import ProxyGrantingTicket, SessionTicket
from django_cas_ng.signals import cas_user_logout
from django_cas_ng.utils import get_user_from_session
from lxml import etree

logger = logging.getLogger("eha_auth.cas")

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def logout_request_xml(value: str) -> bytes | None:
    """Return the XML of a logout request, plain (back channel) or deflated base64 (front)."""
    value = (value or "").strip()
    if value.startswith("<"):
        return value.encode()
    try:
        # Front-channel logout sends the request deflated (RFC 1951) and base64-encoded.
        return zlib.decompress(base64.b64decode(value, validate=True), -15, )
    except (binascii.Error, ValueError, zlib.error):
        return None


def session_indexes(xml: bytes) -> list[str]:
    """Return the tickets (SessionIndex) a SAML logout request names."""
    try:
        root = etree.fromstring(xml, parser=_PARSER)
    except etree.XMLSyntaxError:
        return []
    found = root.findall(f".//{{{SAMLP}}}SessionIndex")
    return [element.text.strip() for element in found if element.text and element.text.strip()]


def end_sessions(value: str) -> int:
    """End the sessions of the tickets in a logout request; return how many ended."""
    xml = logout_request_xml(value)
    tickets = session_indexes(xml) if xml else []
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for ticket in tickets:
        for session_ticket in SessionTicket.objects.filter(ticket=ticket):
            session_key = session_ticket.session_key
            session = store(session_key=session_key)
            user = get_user_from_session(session)
            # Tickets first, so a half-done logout never leaves a ticket to a dead session.
            SessionTicket.objects.filter(session_key=session_key).delete()
            ProxyGrantingTicket.objects.filter(session_key=session_key).delete()
            session.delete(session_key)
            cas_user_logout.send(sender="slo", user=user, session=session, ticket=ticket)
            ended += 1
    return ended
