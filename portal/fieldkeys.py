"""The field keys' upkeep (`flask keys check|rotate`): which key id each encrypted value uses, and re-encryption
of every value under the current key, with its blind index recomputed (README, "Field encryption").

Every `Encrypted` column of the models is found from the metadata; a column `<name>_bidx` beside it is its
blind index. Rotation runs in batches, each its own transaction, and is idempotent: a value already under the
current key with a right blind index is left alone, so a rotation cut short is finished by running it again.
"""
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import String, select, type_coerce

from .audit import services as audit
from .extensions import db
from .fieldcrypt import DecryptionError, Encrypted, cipher, key_id_of


@dataclass
class EncryptedColumn:
    table: object
    column: object
    index: object | None        # the blind index column, if any

    @property
    def purpose(self) -> str:
        return self.column.type.purpose


def encrypted_columns() -> list[EncryptedColumn]:
    """Every encrypted column of the schema, in table order."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, Encrypted):
                found.append(EncryptedColumn(table, column, table.c.get(f"{column.name}_bidx")))
    return found


@dataclass
class Usage:
    purpose: str
    by_key: Counter = field(default_factory=Counter)     # key id (None: not a v1 ciphertext) -> rows


def usage() -> list[Usage]:
    """How many stored values of each encrypted column use which key id (read raw, nothing decrypted)."""
    result = []
    for target in encrypted_columns():
        raw = type_coerce(target.column, String)
        counts = Usage(target.purpose)
        for (value,) in db.session.execute(select(raw).where(target.column.is_not(None))):
            counts.by_key[key_id_of(value)] += 1
        result.append(counts)
    return result


class RotationError(RuntimeError):
    """A value that cannot be re-encrypted (its key id is not configured, or it fails authentication)."""


def rotate(batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt every value not under the current key (and fix every stale blind index), `batch_size` rows
    per transaction; returns the rows changed per column. Audited, also when it stops on a bad value."""
    crypt = cipher()
    changed: dict[str, int] = {}
    try:
        for target in encrypted_columns():
            changed[target.purpose] = _rotate_column(target, crypt, batch_size)
    except RotationError as error:
        db.session.rollback()
        audit.record("keys_rotate", "field_keys", label="字段加密密钥",
                     summary=f"轮换中止：{error}"[:500], after={"current": crypt.current_id, "changed": changed})
        db.session.commit()
        raise
    audit.record("keys_rotate", "field_keys", label="字段加密密钥",
                 summary=f"用密钥 {crypt.current_id} 重新加密 {sum(changed.values())} 个字段值",
                 after={"current": crypt.current_id, "changed": changed})
    db.session.commit()
    return changed


def _rotate_column(target: EncryptedColumn, crypt, batch_size: int) -> int:
    table, column, index = target.table, target.column, target.index
    pk = table.primary_key.columns.values()[0]
    raw = type_coerce(column, String)
    columns = [pk, raw] + ([index] if index is not None else [])
    changed, last = 0, None
    while True:
        stmt = select(*columns).where(column.is_not(None)).order_by(pk).limit(batch_size)
        if last is not None:
            stmt = stmt.where(pk > last)
        rows = db.session.execute(stmt).all()
        if not rows:
            return changed
        for row in rows:
            row_id, stored = row[0], row[1]
            try:
                plain = crypt.decrypt(target.purpose, stored)
            except DecryptionError as error:
                raise RotationError(f"{table.name} #{row_id}：{error}") from error
            values = {}
            if key_id_of(stored) != crypt.current_id:
                values[column.name] = plain          # the column's type encrypts it under the current key
            if index is not None:
                wanted = crypt.blind_index(target.purpose, plain)
                if row[2] != wanted:
                    values[index.name] = wanted
            if not values:
                continue
            if "updated_at" in table.c:              # re-encryption is not an edit of the record
                values["updated_at"] = table.c.updated_at
            # Only if the value is still the one read: a change the portal made meanwhile is already current.
            result = db.session.execute(table.update().where(pk == row_id, raw == stored).values(values))
            changed += result.rowcount
        db.session.commit()
        last = rows[-1][0]
