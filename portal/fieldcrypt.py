"""Field-level encryption at rest (issue 27 item 8): expert ID numbers (身份证号码) and phones, TOTP secrets.

A value is stored as `v1:<key id>:<base64url(nonce | ciphertext | tag)>`, AES-256-GCM with a random 96-bit nonce
and the column's name (its "purpose", e.g. `experts.id_number`) and the key id as associated data: a value
copied into another column, or given another key id, fails to decrypt instead of reading as someone else's.
Keys come from configuration, `FIELD_KEYS` (`PORTAL_FIELD_KEYS`, "id:base64key,id:base64key", the first one
encrypts, all of them decrypt, so rows written under an older key still read after a rotation) and
`BLIND_INDEX_KEY` (`PORTAL_BLIND_INDEX_KEY`): an HMAC-SHA256 key of its own for the blind indexes, the
deterministic digests that equality lookups (a duplicate ID number, a search by number or phone) compare
instead of the ciphertext. Without either setting the keys are generated once into `instance/field_keys`
(development, `make run`); production sets both (README, "Field encryption").

Models declare `Encrypted("<table>.<column>")` columns: Python reads and writes plain text, the database holds
the ciphertext. Comparing such a column in SQL is refused (a fresh nonce never matches): compare its blind
index column instead.
"""
import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
import time
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy import String
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator

VERSION = "v1"
NONCE_BYTES = 12
KEY_BYTES = 32                  # AES-256
KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,16}")
EXTENSION = "fieldcrypt"
KEYS_FILE = "field_keys"        # in the instance folder, development only


class FieldKeyError(RuntimeError):
    """The key configuration is missing or malformed: the portal does not start with it."""


class DecryptionError(ValueError):
    """A stored value that cannot be decrypted: its key id is not configured, or it was altered."""


def _decode_key(text: str, what: str) -> bytes:
    text = text.strip()
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_" if ("-" in text or "_" in text)
                               else None, validate=True)
    except (binascii.Error, ValueError) as error:
        raise FieldKeyError(f"{what}: not base64") from error
    return raw


def parse_key_ring(spec: str) -> list[tuple[str, bytes]]:
    """'id:base64key,id:base64key' -> [(id, 32-byte key)], the current (encrypting) key first."""
    ring: list[tuple[str, bytes]] = []
    for part in (spec or "").split(","):
        part = part.strip()
        if not part:
            continue
        key_id, sep, encoded = part.partition(":")
        key_id = key_id.strip()
        if not sep or not KEY_ID.fullmatch(key_id):
            raise FieldKeyError(f"FIELD_KEYS: each entry is id:base64key with an id of 1-16 letters, digits, - or _ "
                                f"(got {key_id[:20]!r})")
        key = _decode_key(encoded, f"FIELD_KEYS key {key_id!r}")
        if len(key) != KEY_BYTES:
            raise FieldKeyError(f"FIELD_KEYS key {key_id!r}: {len(key)} bytes, AES-256 needs {KEY_BYTES}")
        if any(existing == key_id for existing, _ in ring):
            raise FieldKeyError(f"FIELD_KEYS: key id {key_id!r} given twice")
        ring.append((key_id, key))
    if not ring:
        raise FieldKeyError("FIELD_KEYS is empty")
    return ring


def new_key() -> str:
    """A fresh random key, base64 (for FIELD_KEYS or BLIND_INDEX_KEY)."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def normalise(value: str) -> str:
    """What a blind index sees: spaces and dashes dropped, letters upper-cased (a lower-case x in an ID number,
    a phone typed 138-1234-5678 find the same row)."""
    return re.sub(r"[\s-]", "", value).upper()


class FieldCipher:
    """The key ring and the blind index key of one app."""

    def __init__(self, ring: list[tuple[str, bytes]], blind_index_key: bytes):
        if len(blind_index_key) < KEY_BYTES:
            raise FieldKeyError(f"BLIND_INDEX_KEY: {len(blind_index_key)} bytes, at least {KEY_BYTES} needed")
        if any(blind_index_key == key for _, key in ring):
            raise FieldKeyError("BLIND_INDEX_KEY must not be one of the FIELD_KEYS")
        self.ring = ring
        self.current_id = ring[0][0]
        self._keys = {key_id: AESGCM(key) for key_id, key in ring}
        self._index_key = blind_index_key

    @classmethod
    def from_config(cls, field_keys: str, blind_index_key: str) -> "FieldCipher":
        return cls(parse_key_ring(field_keys), _decode_key(blind_index_key, "BLIND_INDEX_KEY"))

    def encrypt(self, purpose: str, plaintext: str) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._keys[self.current_id].encrypt(nonce, plaintext.encode("utf-8"),
                                                      _associated(purpose, self.current_id))
        return f"{VERSION}:{self.current_id}:{base64.urlsafe_b64encode(nonce + sealed).decode('ascii').rstrip('=')}"

    def decrypt(self, purpose: str, stored: str) -> str:
        key_id = key_id_of(stored)
        if key_id is None:
            raise DecryptionError(f"{purpose}: the stored value is not a v1 ciphertext")
        aesgcm = self._keys.get(key_id)
        if aesgcm is None:
            raise DecryptionError(f"{purpose}: key id {key_id!r} is not in FIELD_KEYS "
                                  f"(configured: {', '.join(k for k, _ in self.ring)})")
        body = stored.split(":", 2)[2]
        try:
            blob = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            return aesgcm.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _associated(purpose, key_id)).decode("utf-8")
        except (InvalidTag, binascii.Error, ValueError) as error:
            raise DecryptionError(f"{purpose}: the value under key {key_id!r} fails authentication "
                                  "(wrong key for this id, or the stored value was altered)") from error

    def blind_index(self, purpose: str, value: str) -> str:
        message = f"{purpose}\x00{normalise(value)}".encode()
        return hmac.new(self._index_key, message, hashlib.sha256).hexdigest()


def _associated(purpose: str, key_id: str) -> bytes:
    return f"{VERSION}:{key_id}:{purpose}".encode()


def key_id_of(stored: str | None) -> str | None:
    """The key id a stored value was encrypted with (None for a value that is not a v1 ciphertext)."""
    if not stored:
        return None
    parts = stored.split(":", 2)
    if len(parts) != 3 or parts[0] != VERSION or not KEY_ID.fullmatch(parts[1]):
        return None
    return parts[1]


# --- the app's cipher -----------------------------------------------------------------------------------------

def _development_keys(instance_path: str) -> dict[str, str]:
    """The keys of a development instance, generated into instance/field_keys on first run (as the secret
    key is); several workers starting at once agree on one file."""
    path = Path(instance_path) / KEYS_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(f"FIELD_KEYS=dev1:{new_key()}\nBLIND_INDEX_KEY={new_key()}\n")
    for _ in range(100):      # another worker may still be writing it
        text = path.read_text()
        if text.endswith("\n"):
            values = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
            if {"FIELD_KEYS", "BLIND_INDEX_KEY"} <= values.keys():
                return values
        time.sleep(0.01)
    raise FieldKeyError(f"{path} is incomplete: give FIELD_KEYS and BLIND_INDEX_KEY lines, or remove it")


def init_app(app) -> None:
    """Read the keys (configuration first, else the development file) and keep the cipher on the app."""
    field_keys, index_key = app.config.get("FIELD_KEYS"), app.config.get("BLIND_INDEX_KEY")
    if bool(field_keys) != bool(index_key):
        raise FieldKeyError("FIELD_KEYS and BLIND_INDEX_KEY are configured together (PORTAL_FIELD_KEYS and "
                            "PORTAL_BLIND_INDEX_KEY): one without the other would mix a real key with a generated one")
    if not field_keys:
        values = _development_keys(app.instance_path)
        field_keys, index_key = values["FIELD_KEYS"], values["BLIND_INDEX_KEY"]
        app.config["FIELD_KEYS_SOURCE"] = str(Path(app.instance_path) / KEYS_FILE)
    else:
        app.config.setdefault("FIELD_KEYS_SOURCE", "configuration")
    app.config["FIELD_KEYS"], app.config["BLIND_INDEX_KEY"] = field_keys, index_key
    app.extensions[EXTENSION] = FieldCipher.from_config(field_keys, index_key)


def cipher() -> FieldCipher:
    return current_app.extensions[EXTENSION]


def blind_index(purpose: str, value: str) -> str:
    """The blind index of `value` in the column `purpose`, with the app's key."""
    return cipher().blind_index(purpose, value)


def blind_index_default(source: str, purpose: str):
    """A column default computing the blind index from the row's `source` value, so that Core inserts (bulk
    loads, benchmarks) fill it as the ORM's validators do."""
    def default(context):
        value = context.get_current_parameters().get(source)
        return None if value is None else blind_index(purpose, value)
    return default


class Encrypted(TypeDecorator):
    """A text column stored encrypted: plain text in Python, `v1:<key id>:...` in the database."""

    impl = String(255)
    cache_ok = True

    def __init__(self, purpose: str, length: int = 255):
        super().__init__(length)
        self.purpose = purpose

    class comparator_factory(TypeDecorator.Comparator):
        def operate(self, op, *other, **kwargs):
            if op in (operators.is_, operators.is_not):
                return super().operate(op, *other, **kwargs)
            raise TypeError(f"{self.type.purpose} is encrypted: compare its blind index, not the column")

        def reverse_operate(self, op, other, **kwargs):
            raise TypeError(f"{self.type.purpose} is encrypted: compare its blind index, not the column")

    def process_bind_param(self, value, dialect):
        return None if value is None else cipher().encrypt(self.purpose, str(value))

    def process_result_value(self, value, dialect):
        return None if value is None else cipher().decrypt(self.purpose, value)

    def process_literal_param(self, value, dialect):
        raise TypeError(f"{self.purpose} is encrypted: it is never rendered as a literal")
