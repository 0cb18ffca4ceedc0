"""Stream-key encryption at rest: a Fernet key file (0600) in the data dir."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from vistterstream.store.db import StoreError, describe_os_error

logger = logging.getLogger(__name__)


class KeyFileError(StoreError):
    """The key file is missing while encrypted data exists, is corrupt, or does not match the database."""


class SecretBox:
    """Encrypts and decrypts stream keys; the only holder of the Fernet key in the process."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def encrypt(self, plaintext: str) -> bytes:
        return self._fernet.encrypt(plaintext.encode())

    def decrypt(self, token: bytes) -> str:
        return self._fernet.decrypt(token).decode()

    def can_decrypt(self, token: bytes) -> bool:
        try:
            self._fernet.decrypt(token)
        except InvalidToken:
            return False
        return True


def load_or_create_key(path: Path, *, encrypted_data_exists: bool) -> SecretBox:
    """Load the key file, or create it (0600) only when nothing encrypted exists yet.

    Creating a fresh key while encrypted stream keys are stored would make them unreadable forever, so
    that case is an error with instructions instead of a silent re-key.
    """
    if not path.exists():
        if encrypted_data_exists:
            raise KeyFileError(
                f"The key file {path} is missing, but the database holds encrypted stream keys. Restore "
                f"secret.key from your backup into the data directory. If it is lost for good, run "
                f"`vistterstream reset-keys` to erase the stored stream keys (you will re-enter them)."
            )
        key = Fernet.generate_key()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(key)
        except OSError as exc:
            raise StoreError(describe_os_error(exc, path.parent)) from exc
        logger.info("created a new encryption key file at %s", path)
        return SecretBox(key)
    try:
        key = path.read_bytes().strip()
        return SecretBox(key)
    except OSError as exc:
        raise KeyFileError(f"The key file {path} cannot be read ({exc.strerror}). Check its permissions.") from exc
    except ValueError as exc:
        raise KeyFileError(
            f"The key file {path} is corrupt (not a valid encryption key). Restore secret.key from your "
            f"backup; if it is lost, run `vistterstream reset-keys` to erase the stored stream keys."
        ) from exc
