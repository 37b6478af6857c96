"""AES-GCM encryption of credentials, with key ids and rotation.

Ciphertext format: ``v1.<key id>.<base64url(nonce | ciphertext+tag)>``. The key
id inside lets any key of the ring decrypt; the first key of the ring encrypts,
so rotation is: put the new key first, keep the old ones until `reencrypt` has
passed over every row. The connection id is the associated data, so a
ciphertext copied onto another connection fails to decrypt.
"""
from __future__ import annotations

import base64
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.encoding import b64url_decode, b64url_encode


class CryptoError(ValueError):
    """Ciphertext that this key ring cannot open (never says why in detail)."""


def parse_key_ring(spec: str) -> list[tuple[str, bytes]]:
    """"kid:base64key,kid2:base64key2" → [(kid, key), …]; keys are 16, 24 or 32 bytes."""
    ring = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        kid, _, encoded = item.partition(":")
        if not kid or not encoded or "." in kid:
            raise ValueError("each credential key must be 'kid:base64key' (kid without dots)")
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError:
            raise ValueError(f"credential key {kid!r} is not valid base64") from None
        if len(key) not in (16, 24, 32):
            raise ValueError(f"credential key {kid!r} must be 16, 24 or 32 bytes, got {len(key)}")
        if any(kid == known for known, _ in ring):  # a dict would silently keep the last one
            raise ValueError(f"credential key id {kid!r} appears twice in the key ring; give each key its own id")
        ring.append((kid, key))
    if not ring:
        raise ValueError("at least one credential key is required")
    return ring


def new_key_spec(kid: str) -> str:
    return f"{kid}:{base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()}"


class CredentialCipher:
    def __init__(self, key_spec: str):
        ring = parse_key_ring(key_spec)
        self.current_kid = ring[0][0]
        self._keys = {kid: AESGCM(key) for kid, key in ring}

    def encrypt(self, credentials: dict, connection_id: str) -> str:
        nonce = os.urandom(12)
        sealed = self._keys[self.current_kid].encrypt(
            nonce, json.dumps(credentials).encode(), connection_id.encode())
        return f"v1.{self.current_kid}.{b64url_encode(nonce + sealed)}"

    def decrypt(self, ciphertext: str, connection_id: str) -> dict:
        try:
            version, kid, body = ciphertext.split(".", 2)
            raw = b64url_decode(body)
        except ValueError:
            raise CryptoError("credentials are not in the v1 format") from None
        if version != "v1" or kid not in self._keys:
            raise CryptoError(f"no key {kid!r} in the key ring")
        try:
            plain = self._keys[kid].decrypt(raw[:12], raw[12:], connection_id.encode())
        except InvalidTag:
            raise CryptoError("credentials do not open with this key for this connection") from None
        return json.loads(plain)

    def key_id(self, ciphertext: str) -> str:
        return ciphertext.split(".", 2)[1]

    def reencrypt(self, ciphertext: str, connection_id: str) -> str:
        """Re-seal under the current key; a no-op for ciphertext already on it."""
        if self.key_id(ciphertext) == self.current_kid:
            return ciphertext
        return self.encrypt(self.decrypt(ciphertext, connection_id), connection_id)
