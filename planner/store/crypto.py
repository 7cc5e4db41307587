"""Curves encrypted at rest: AES-256-GCM (``cryptography``) with a key kept outside the database.

The key comes from ``QUARTIER_SOLAIRE_DATA_KEY`` (environment or secrets), or,
for the embedded demo only, from a key file generated in the data folder with
owner-only permissions. Each ciphertext is bound to its curve's id (associated
data): a payload copied onto another row does not decrypt.
"""

from __future__ import annotations

import base64
import io
import os
import secrets as _secrets
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from planner.store.errors import StoreError

KEY_FILE = "data.key"
_NONCE_BYTES = 12
_MAGIC = b"QSC1"


def new_key() -> str:
    """Return a fresh 256-bit key, URL-safe base64 (the form the settings take)."""
    return base64.urlsafe_b64encode(_secrets.token_bytes(32)).decode("ascii")


def parse_key(text: str) -> bytes:
    """Return the 32 raw bytes of a key written as URL-safe base64.

    Raises
    ------
    StoreError
        ``store_bad_key`` if the text is not a 256-bit key.
    """
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (ValueError, UnicodeError):
        raw = b""
    if len(raw) != 32:
        raise StoreError("store_bad_key", "The data key is not a URL-safe base64 256-bit key.")
    return raw


def key_file(folder: Path) -> bytes:
    """Return the key kept in ``folder``, generating it (mode 0600) the first time."""
    path = folder / KEY_FILE
    try:
        # O_EXCL: two processes starting together never write two different keys.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return parse_key(path.read_text(encoding="ascii"))
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(new_key())
    return parse_key(path.read_text(encoding="ascii"))


def encrypt(key: bytes, plaintext: bytes, bound_to: str) -> bytes:
    """Return ``nonce || AES-GCM(plaintext)``, authenticated together with ``bound_to``."""
    nonce = _secrets.token_bytes(_NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, bound_to.encode())


def decrypt(key: bytes, payload: bytes, bound_to: str) -> bytes:
    """Return the plaintext of :func:`encrypt`.

    Raises
    ------
    StoreError
        ``store_bad_key`` if the key is not the one the payload was written with.
    """
    try:
        return AESGCM(key).decrypt(
            payload[:_NONCE_BYTES], payload[_NONCE_BYTES:], bound_to.encode()
        )
    except InvalidTag:
        raise StoreError(
            "store_bad_key", "A curve cannot be decrypted with the configured data key."
        ) from None


def pack_curve(energy: pd.Series) -> bytes:
    """Return a curve (energy per interval [kWh] on a time-zone-aware index) as bytes."""
    index = pd.DatetimeIndex(energy.index)
    # The zone and the index's unit travel with the values: the curve comes back as it went.
    tz = f"{index.tz or 'UTC'}|{index.unit}".encode()
    buffer = io.BytesIO()
    buffer.write(_MAGIC + len(tz).to_bytes(2, "big") + tz)
    buffer.write(index.as_unit("ns").asi8.astype("<i8").tobytes())
    buffer.write(energy.to_numpy(dtype="<f8", na_value=np.nan).tobytes())
    return zlib.compress(buffer.getvalue(), level=6)


def unpack_curve(data: bytes) -> pd.Series:
    """Return the curve that :func:`pack_curve` packed."""
    raw = zlib.decompress(data)
    if raw[:4] != _MAGIC:
        raise StoreError("store_bad_key", "A stored curve is not in a known format.")
    size = int.from_bytes(raw[4:6], "big")
    tz, _, unit = raw[6 : 6 + size].decode().partition("|")
    body = raw[6 + size :]
    n = len(body) // 16
    stamps = np.frombuffer(body[: 8 * n], dtype="<i8")
    values = np.frombuffer(body[8 * n :], dtype="<f8").copy()
    index = pd.DatetimeIndex(pd.to_datetime(stamps, unit="ns", utc=True)).tz_convert(tz)
    index = index.as_unit(unit or "ns")
    return pd.Series(values, index=index.rename("time"), name="energy_kwh")
