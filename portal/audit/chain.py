"""The audit log's hash chain (issue 11): each entry carries the hash of the one before it and its own hash
over its content and that link, so an edited, removed or inserted entry breaks the chain where it happened.

The format is frozen (version 1): changing FIELDS or the encoding would make every stored chain unverifiable.
The head row (audit_chain_head) holds the last hash and the number of entries; writers update it first, which
serialises them (a row lock on PostgreSQL, the write lock on SQLite), so two transactions never chain onto the
same entry.
"""
import hashlib
import json
from datetime import UTC, datetime

FIELDS = ("created_at", "user_id", "username", "action", "object_type", "object_id", "object_label",
          "region_id", "summary", "before", "after")


def _instant(value: datetime) -> str:
    if value.tzinfo is None:                      # SQLite hands back naive UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(values: dict, prev_hash: str | None) -> str:
    """SHA-256 (hex) of an entry's fields and the previous entry's hash, as canonical JSON."""
    payload = {name: values[name] for name in FIELDS}
    payload["created_at"] = _instant(values["created_at"])
    payload["prev"] = prev_hash or ""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def first_break(rows, head_hash: str | None, head_count: int) -> tuple[int | None, str] | None:
    """Walk entries in id order (dicts with FIELDS, id, prev_hash, entry_hash): None when the chain is whole,
    else (entry id or None, what is wrong) in Chinese for the first break."""
    previous, count, last_id = None, 0, None
    for row in rows:
        count += 1
        if (row["prev_hash"] or None) != previous:
            return row["id"], "与前一条记录的链接不符（前面的记录被删除、插入或修改）"
        if entry_hash(row, previous) != row["entry_hash"]:
            return row["id"], "内容与其校验值不符（该记录被修改）"
        previous, last_id = row["entry_hash"], row["id"]
    if count != head_count or previous != (head_hash or None):
        return last_id, f"链尾不符：记录 {count} 条，链头登记 {head_count} 条（末尾的记录被删除或链头被改动）"
    return None
