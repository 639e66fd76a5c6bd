"""Device tokens: `Authorization: Bearer TOKEN` -> device name.

401 when the token is missing or unknown, 403 when a valid token speaks for another device.
Only SHA-256 hashes of tokens are stored; known hashes are cached in memory (tokens are never
revoked while a service runs, and a new device is looked up on first use).
"""
from __future__ import annotations

import re
import threading

from toolchain.aggregator.errors import AggregatorError
from toolchain.aggregator.models import NAME_PATTERN
from toolchain.aggregator.store import Store, hash_token, open_store


class Unauthorized(Exception):
    """401: no token, or a token no device owns."""


class Forbidden(Exception):
    """403: the token is valid but belongs to another device."""


class DeviceAuthenticator:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._known: dict[str, str] = {}
        self._lock = threading.Lock()

    def device_for(self, authorization: str | None) -> str:
        """The device that owns the bearer token in an Authorization header value."""
        token = _bearer_token(authorization)
        token_hash = hash_token(token)
        with self._lock:
            device = self._known.get(token_hash)
        if device is None:
            device = self._store.device_for_token(token)
            if device is None:
                raise Unauthorized("unknown token")
            with self._lock:
                self._known[token_hash] = device
        return device

    @staticmethod
    def require_same_device(token_device: str, claimed_device: str) -> None:
        if token_device != claimed_device:
            raise Forbidden(f"this token belongs to device {token_device!r}, not {claimed_device!r}")


def _bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("missing Authorization header (expected 'Bearer TOKEN')")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authorization header must be 'Bearer TOKEN'")
    return token.strip()


def register_device(db_url: str, name: str) -> str:
    """Add device `name` to the store at `db_url`; returns its token (the only time it is seen)."""
    if not re.fullmatch(NAME_PATTERN, name):
        raise AggregatorError(f"device name {name!r}: use 1-64 letters, digits, '_', '.', ':' or '-' "
                              "(starting with a letter or digit)")
    store = open_store(db_url)
    try:
        return store.add_device(name)
    finally:
        store.close()
