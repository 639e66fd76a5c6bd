"""Device tokens: `Authorization: Bearer TOKEN` -> device name.

401 when the token is missing, unknown or revoked, 403 when a valid token speaks for another device
(the answer never says which device owns the token). Only SHA-256 hashes of tokens are stored.
Every request looks its token up in the store (one indexed read), so `aggregator revoke-device` and
`rotate-token` take effect at once in every service process sharing that store.
"""
from __future__ import annotations

import re

from toolchain.aggregator.errors import AggregatorError
from toolchain.aggregator.models import NAME_PATTERN
from toolchain.aggregator.store import Store, open_store


class Unauthorized(Exception):
    """401: no token, or a token no device owns."""


class Forbidden(Exception):
    """403: the token is valid but belongs to another device."""


class DeviceAuthenticator:
    def __init__(self, store: Store) -> None:
        self._store = store

    def device_for(self, authorization: str | None) -> str:
        """The device that owns the bearer token in an Authorization header value."""
        device = self._store.device_for_token(_bearer_token(authorization))
        if device is None:
            raise Unauthorized("unknown or revoked token")
        return device

    @staticmethod
    def require_same_device(token_device: str, claimed_device: str) -> None:
        if token_device != claimed_device:
            raise Forbidden(f"this token does not speak for device {claimed_device!r}")


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


def revoke_device(db_url: str, name: str) -> None:
    """Refuse device `name`'s token from now on, in every service using this store."""
    store = open_store(db_url, create=False)
    try:
        store.revoke_device(name)
    finally:
        store.close()


def rotate_token(db_url: str, name: str) -> str:
    """Give device `name` a new token (returned, shown once); the old one stops working at once."""
    store = open_store(db_url, create=False)
    try:
        return store.rotate_token(name)
    finally:
        store.close()
