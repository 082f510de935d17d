"""Encryption of secrets at rest (certificate files and passwords) with the app's Fernet key."""

from __future__ import annotations

import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask import current_app

EXTENSION_KEY = "agentnfe.fernet"


def init_app(app) -> None:
    app.extensions[EXTENSION_KEY] = Fernet(app.config["AGENTNFE_ENCRYPTION_KEY"])


def fernet() -> Fernet:
    return current_app.extensions[EXTENSION_KEY]


class EncryptedBytes(sa.TypeDecorator):
    """Bytes encrypted with Fernet before they reach the database."""

    impl = sa.LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else fernet().encrypt(self._to_bytes(value))

    def process_result_value(self, value, dialect):
        return None if value is None else self._from_bytes(fernet().decrypt(bytes(value)))

    @staticmethod
    def _to_bytes(value):
        return value

    @staticmethod
    def _from_bytes(value):
        return value


class EncryptedText(EncryptedBytes):
    """A string (e.g. a certificate password) encrypted at rest."""

    cache_ok = True

    @staticmethod
    def _to_bytes(value):
        return value.encode("utf-8")

    @staticmethod
    def _from_bytes(value):
        return value.decode("utf-8")
