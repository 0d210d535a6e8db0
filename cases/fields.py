"""Encryption at rest and blind indexes: the one module that touches keys.

- ``EncryptedTextField`` stores text as a Fernet token made with the first key
  of ``settings.FIELD_ENCRYPTION_KEYS``; every key listed decrypts
  (MultiFernet), so keys rotate by putting a new key first and running
  ``manage.py reencrypt_cases``. A value no key opens raises
  ``FieldDecryptionError`` at once: a wrong key must never read as empty data.
- ``blind_index`` is a keyed hash (HMAC-SHA256 with ``settings.BLIND_INDEX_KEY``,
  a key of its own) of a normalized NIK, phone number or name, for exact
  search within what the user may see. Hashes are indexed but never unique:
  a unique constraint would answer "this person exists elsewhere".

Error messages here never carry the value, the token or a key.
"""

import hashlib
import hmac
import re
import unicodedata
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


class FieldDecryptionError(RuntimeError):
    """A stored value could not be decrypted with any configured key."""


@lru_cache(maxsize=4)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must hold at least one key.")
    try:
        return MultiFernet([Fernet(key.encode("ascii")) for key in keys])
    except (ValueError, UnicodeError):
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a malformed key (each must be 32 url-safe base64-encoded bytes)."
        ) from None


def _keys() -> MultiFernet:
    return _multifernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def primary_key_fingerprint() -> str:
    """A short, non-secret name for the key that encrypts now (for progress records)."""
    key = settings.FIELD_ENCRYPTION_KEYS[0].encode("ascii")
    return hashlib.sha256(b"depok-key-fingerprint:" + key).hexdigest()[:16]


def encrypt_text(value: str) -> str:
    if value == "":
        return ""
    return _keys().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    if token == "":
        return ""
    try:
        return _keys().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError):
        raise FieldDecryptionError(
            "An encrypted field could not be decrypted with FIELD_ENCRYPTION_KEYS: wrong or missing key."
        ) from None


def rotate_token(token: str) -> str:
    """The same plaintext, encrypted again under the newest key."""
    if token == "":
        return ""
    try:
        return _keys().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise FieldDecryptionError(
            "An encrypted field could not be decrypted with FIELD_ENCRYPTION_KEYS: wrong or missing key."
        ) from None


class EncryptedTextField(models.TextField):
    """Text encrypted at rest. Not searchable or orderable in the database:
    pair it with a blind index where exact search is needed."""

    description = "Text encrypted at rest (Fernet)"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return decrypt_text(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return value
        return encrypt_text(str(value))

    def get_lookup(self, lookup_name):
        # Comparing ciphertexts is meaningless (each encryption is randomized):
        # refuse it loudly instead of returning nothing.
        if lookup_name not in {"isnull"}:
            raise ImproperlyConfigured("Encrypted fields cannot be searched; use a blind index.")
        return super().get_lookup(lookup_name)


# --- Blind indexes -----------------------------------------------------------

_NON_DIGITS = re.compile(r"\D+")
_SPACES = re.compile(r"\s+")


def normalize_nik(value: str) -> str:
    return _NON_DIGITS.sub("", value or "")


def normalize_phone(value: str) -> str:
    """Indonesian numbers in one form: 08…, +628…, 628… and 8… all become 628…."""
    digits = _NON_DIGITS.sub("", value or "")
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    elif digits.startswith("8"):
        digits = "62" + digits
    return digits


def normalize_name(value: str) -> str:
    """Case-, accent-, punctuation- and spacing-insensitive, nothing fuzzier."""
    text = unicodedata.normalize("NFKD", value or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = "".join(ch if ch.isalnum() else " " for ch in text.casefold())
    return _SPACES.sub(" ", text).strip()


_NORMALIZERS = {"nik": normalize_nik, "phone": normalize_phone, "name": normalize_name}


def blind_index(kind: str, value: str) -> str:
    """The keyed hash of ``value`` as a NIK, phone or name; "" for an empty value."""
    normalized = _NORMALIZERS[kind](value)
    if not normalized:
        return ""
    message = f"{kind}:{normalized}".encode()
    return hmac.new(settings.BLIND_INDEX_KEY.encode("utf-8"), message, hashlib.sha256).hexdigest()


def keyed_digest(purpose: str, data: bytes) -> str:
    """A keyed hash of arbitrary bytes (e.g. an idempotent request's body), so
    that a stored fingerprint of personal data cannot be brute-forced offline."""
    key = hmac.new(settings.BLIND_INDEX_KEY.encode("utf-8"), purpose.encode("utf-8"), hashlib.sha256).digest()
    return hmac.new(key, data, hashlib.sha256).hexdigest()
