"""Password hashing (argon2) and keyed hashes for API secrets and session tokens."""

from __future__ import annotations

import hashlib
import hmac

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from paygate_app.core.settings import settings

_hasher = PasswordHasher()
# A valid hash to verify against when the email is unknown, so timing does not reveal it.
_DUMMY_HASH = _hasher.hash("paygate-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def keyed_hash(secret: str) -> str:
    """HMAC-SHA256 of a secret under the server key: what we store instead of the secret."""
    return hmac.new(settings.paygate_server_key.encode(), secret.encode(), hashlib.sha256).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(keyed_hash(secret), stored_hash)
