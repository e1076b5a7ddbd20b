"""Encryption at rest for the client secret.

Fernet (AES-128-CBC with HMAC-SHA256) keyed from ``TANDEM_ENCRYPTION_KEY``, or from
``SECRET_KEY`` when that is not set. A value that no longer decrypts (the key changed) reads
as missing rather than failing, so the administrator is asked to enter the secret again.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

PREFIX = "fernet:"


def _fernet() -> Fernet:
    material = settings.TANDEM_ENCRYPTION_KEY or settings.SECRET_KEY
    key = base64.urlsafe_b64encode(hashlib.sha256(f"tandem:{material}".encode()).digest())
    return Fernet(key)


def encrypt(plain: str) -> str:
    if not plain:
        return ""
    return PREFIX + _fernet().encrypt(plain.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored or not stored.startswith(PREFIX):
        return ""
    try:
        return _fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        return ""
