"""Standard Webhooks verification, as SignatureVerifier (functions/src/main/java/com/acme/integration/webhook/).

HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.<raw body>" with each active whsec_ secret, against
every "v1,<base64>" entry of the space-separated webhook-signature header, compared in constant time;
the timestamp may be at most the tolerance away from our clock in either direction.
"""

import base64
import binascii
import hmac
import re
import time

SECRET_PREFIX = "whsec_"
ID = re.compile(r"[\x21-\x7e]{1,256}")
TIMESTAMP = re.compile(r"[0-9]{1,15}")
# Java's String.trim() (everything up to U+0020) and \s (ASCII whitespace), not Python's Unicode ones.
_TRIM = "".join(chr(c) for c in range(0x21))
_SEPARATORS = re.compile(r"[ \t\n\x0b\f\r]+")
# What String.isBlank() takes for whitespace among the characters an HTTP header value can hold.
_BLANK = " \t\n\x0b\f\r\x1c\x1d\x1e\x1f"

CUSTOMER = "customer"
SMOKE_CHECK = "smoke_check"


class InvalidSignature(Exception):
    """The webhook is not provably the customer's: HTTP 401; the message says which check failed."""


def decode_base64(text):
    """Java's Base64.getDecoder(): standard alphabet, padding optional; None when it is not base64."""
    if "=" not in text:
        text += "=" * (-len(text) % 4)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def decode_secret(secret):
    """The key bytes of a whsec_ secret, or None if it is not one."""
    if not secret or not secret.startswith(SECRET_PREFIX) or len(secret) == len(SECRET_PREFIX):
        return None
    key = decode_base64(secret[len(SECRET_PREFIX):].strip(_TRIM))
    return key or None


class Verifier:

    def __init__(self, secrets, smoke_secrets, tolerance_seconds, clock=time.time):
        if not secrets:
            raise ValueError("at least one webhook secret is required")
        self.keys = _keys(secrets, "webhook secret ")
        self.smoke_keys = _keys(smoke_secrets, "smoke-check secret ")
        self.tolerance = tolerance_seconds
        self.clock = clock

    def verify(self, webhook_id, timestamp, signatures, body):
        """Who signed the webhook (CUSTOMER or SMOKE_CHECK) if it is authentic and fresh; else InvalidSignature."""
        if not webhook_id:
            raise InvalidSignature("The webhook-id header is missing.")
        if not ID.fullmatch(webhook_id):
            raise InvalidSignature("The webhook-id header is malformed.")
        if not timestamp:
            raise InvalidSignature("The webhook-timestamp header is missing.")
        if not TIMESTAMP.fullmatch(timestamp):
            raise InvalidSignature("The webhook-timestamp header must be whole seconds since the epoch.")
        if not signatures or not signatures.strip(_BLANK):
            raise InvalidSignature("The webhook-signature header is missing.")
        sent = int(timestamp)
        now = self.clock()
        if sent < now - self.tolerance:
            raise InvalidSignature("The webhook-timestamp is too old.")
        if sent > now + self.tolerance:
            raise InvalidSignature("The webhook-timestamp is too far in the future.")
        candidates = _v1_signatures(signatures.strip(_TRIM))
        if not candidates:
            raise InvalidSignature("The webhook-signature header has no valid v1 signature.")
        content = f"{webhook_id}.{timestamp}.".encode() + body
        if _matches(self.keys, content, candidates):
            return CUSTOMER
        if _matches(self.smoke_keys, content, candidates):
            return SMOKE_CHECK
        raise InvalidSignature("No signature matches the webhook.")


def _keys(secrets, name):
    keys = []
    for i, secret in enumerate(secrets):
        key = decode_secret(secret)
        if key is None:
            raise ValueError(f"{name}{i} is not whsec_ followed by base64")
        keys.append(key)
    return keys


def _v1_signatures(header):
    """Decoded v1 signatures; other versions and entries that are not base64 are skipped, not fatal."""
    signatures = []
    for entry in _SEPARATORS.split(header):
        version, comma, value = entry.partition(",")
        if comma and version == "v1":
            decoded = decode_base64(value)
            if decoded is not None:
                signatures.append(decoded)
    return signatures


def _matches(keys, content, candidates):
    for key in keys:
        expected = hmac.digest(key, content, "sha256")
        for candidate in candidates:
            if hmac.compare_digest(expected, candidate):
                return True
    return False
