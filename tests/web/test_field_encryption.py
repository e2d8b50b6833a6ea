"""Field encryption at rest in the database (issue 27 item 8): what a plain SQL select sees, the lookups that go
through the blind indexes (duplicate ID numbers, the records' search), `flask keys check|rotate` across a key
change, and a backup that holds no ID number, phone or TOTP secret in the clear."""
import base64
import re
import subprocess  # nosec B404
from pathlib import Path

import pytest
from sqlalchemy import select, text

from portal import backup, fieldcrypt
from portal.audit.models import AuditEntry
from portal.experts.models import Expert
from portal.experts.services import ExpertError, load_starter_specialties
from portal.extensions import db
from portal.fieldcrypt import FieldCipher
from tests import factories
from tests.conftest import TEST_BLIND_INDEX_KEY, TEST_FIELD_KEYS

NUMBER, PHONE = factories.valid_id_number(987, prefix="220102", birth="19770707"), "13598761234"
NEW_KEY = "new2:" + base64.b64encode(b"n" * 32).decode()


@pytest.fixture(autouse=True)
def tree(app):
    load_starter_specialties()
    db.session.commit()


@pytest.fixture
def expert(orgs, users):
    made = factories.make_expert(orgs.region("changchun"), NUMBER, phone=PHONE, name="加密测试")
    db.session.commit()
    return made


def _raw_expert(expert_id):
    return db.session.execute(text("SELECT id_number, phone, id_number_bidx, phone_bidx FROM experts WHERE id = :i"),
                              {"i": expert_id}).one()


def _use_keys(app, monkeypatch, field_keys, index_key=TEST_BLIND_INDEX_KEY):
    monkeypatch.setitem(app.extensions, fieldcrypt.EXTENSION, FieldCipher.from_config(field_keys, index_key))


def test_the_database_holds_ciphertext_and_the_model_plain_text(expert, users):
    number, phone, number_index, phone_index = _raw_expert(expert.id)
    assert number.startswith("v1:test1:") and phone.startswith("v1:test1:")
    for stored in (number, phone, number_index, phone_index):
        assert NUMBER not in stored and PHONE not in stored and NUMBER[6:14] not in stored
    secret = db.session.execute(text("SELECT totp_secret FROM users WHERE id = :i"),
                                {"i": users["sysadmin"].id}).scalar()
    assert secret.startswith("v1:test1:") and factories.TOTP_SECRET not in secret
    db.session.expire_all()
    loaded = db.session.get(Expert, expert.id)
    assert (loaded.id_number, loaded.phone) == (NUMBER, PHONE)
    assert db.session.get(type(users["sysadmin"]), users["sysadmin"].id).totp_secret == factories.TOTP_SECRET


def test_comparing_an_encrypted_column_in_sql_is_refused(app):
    with pytest.raises(TypeError, match="blind index"):
        select(Expert).where(Expert.id_number == NUMBER)
    with pytest.raises(TypeError, match="blind index"):
        select(Expert).where(Expert.phone.in_([PHONE]))


def test_a_registered_id_number_is_still_refused_whatever_its_case(expert, orgs):
    with pytest.raises(ExpertError, match="该身份证号码已在省内其他地区登记"):
        factories.make_expert(orgs.region("jilin"), NUMBER.lower(), phone="13500000000")
    db.session.rollback()
    assert db.session.scalars(select(Expert.id).where(Expert.id_number_is(NUMBER))).all() == [expert.id]


def test_the_database_itself_refuses_a_second_row_with_the_same_blind_index(expert):
    from sqlalchemy.exc import IntegrityError

    twin = Expert(region_id=expert.region_id, name="重复", id_number=NUMBER, phone="13500000001", employer="x")
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_records_are_found_by_a_whole_id_number_or_phone(login_as, expert):
    client = login_as("changchun")
    for q in (NUMBER, NUMBER.lower(), PHONE, "135-9876-1234"):
        assert "加密测试" in client.get("/experts/records", query_string={"q": q}).get_data(as_text=True), q
    assert "加密测试" not in client.get("/experts/records", query_string={"q": PHONE[:7]}).get_data(as_text=True)


def test_rotation_re_encrypts_every_value_under_the_new_key_and_is_idempotent(app, monkeypatch, expert, users):
    runner = app.test_cli_runner()
    checked = runner.invoke(args=["keys", "check"])
    assert checked.exit_code == 0, checked.output
    assert "experts.id_number：test1（当前） 1 行" in checked.output

    _use_keys(app, monkeypatch, f"{NEW_KEY},{TEST_FIELD_KEYS}")
    stale = runner.invoke(args=["keys", "check"])
    assert "test1 1 行" in stale.output and "keys rotate" in stale.output
    rotated = runner.invoke(args=["keys", "rotate", "--batch", "1"])
    assert rotated.exit_code == 0, rotated.output
    assert "experts.id_number：重新加密或更新索引 1 行" in rotated.output
    assert "users.totp_secret：重新加密或更新索引 3 行" in rotated.output      # the three admins
    number, phone, _, _ = _raw_expert(expert.id)
    assert number.startswith("v1:new2:") and phone.startswith("v1:new2:")
    secrets = db.session.execute(text("SELECT totp_secret FROM users WHERE totp_secret IS NOT NULL")).scalars().all()
    assert secrets and all(s.startswith("v1:new2:") for s in secrets)

    again = runner.invoke(args=["keys", "rotate"])
    assert again.exit_code == 0 and "experts.id_number：重新加密或更新索引 0 行" in again.output
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "keys_rotate")
                                 .order_by(AuditEntry.id)).all()
    assert [e.summary for e in entries] == ["用密钥 new2 重新加密 5 个字段值", "用密钥 new2 重新加密 0 个字段值"]

    _use_keys(app, monkeypatch, NEW_KEY)          # the old key is retired: everything still reads
    db.session.expire_all()
    assert db.session.get(Expert, expert.id).id_number == NUMBER
    done = runner.invoke(args=["keys", "check"])
    assert done.exit_code == 0 and "new2（当前） 1 行" in done.output and "test1" not in done.output


def test_a_new_blind_index_key_is_applied_by_the_rotation(app, monkeypatch, expert):
    _use_keys(app, monkeypatch, TEST_FIELD_KEYS, base64.b64encode(b"b" * 32).decode())
    assert db.session.scalars(select(Expert.id).where(Expert.id_number_is(NUMBER))).all() == []
    result = app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0 and "experts.id_number：重新加密或更新索引 1 行" in result.output
    assert db.session.scalars(select(Expert.id).where(Expert.id_number_is(NUMBER))).all() == [expert.id]
    assert db.session.scalars(select(Expert.id).where(Expert.phone_is(PHONE))).all() == [expert.id]


def test_values_under_a_key_that_is_gone_are_reported_and_stop_the_rotation(app, monkeypatch, expert):
    _use_keys(app, monkeypatch, NEW_KEY)
    runner = app.test_cli_runner()
    checked = runner.invoke(args=["keys", "check"])
    assert checked.exit_code == 1 and "test1（未配置） 1 行" in checked.output and "无法解密" in checked.output
    rotated = runner.invoke(args=["keys", "rotate"])
    assert rotated.exit_code == 1 and "'test1' is not in FIELD_KEYS" in rotated.output
    assert db.session.scalars(select(AuditEntry.summary).where(AuditEntry.action == "keys_rotate")).one() \
        .startswith("轮换中止")


def _backup_bytes(path: Path) -> bytes:
    """The backup's database as bytes a search can read: SQLite's file itself, a pg_dump as its SQL."""
    if (path / "database.sqlite").exists():
        return (path / "database.sqlite").read_bytes()
    script = path / "restore.sql"
    # pg_restore, a fixed program with a list of arguments: the custom format is compressed, its SQL is not.
    subprocess.run(["pg_restore", "--no-owner", f"--file={script}", str(path / "database.dump")],  # nosec B603 B607
                   check=True, capture_output=True)
    return script.read_bytes()


def test_a_backup_holds_no_id_number_phone_or_totp_secret_in_the_clear(app, expert, users, tmp_path):
    backup.backup(app, tmp_path / "backup")
    dumped = _backup_bytes(tmp_path / "backup")
    assert "加密测试".encode() in dumped          # the search sees plain text: the name is not encrypted
    for plain in (NUMBER, NUMBER[6:14], PHONE, factories.TOTP_SECRET):
        for encoding in ("utf-8", "utf-16-le"):
            assert plain.encode(encoding) not in dumped, plain
    assert re.search(rb"v1:test1:[A-Za-z0-9_-]{40,}", dumped)     # the ciphertext is there instead
