"""Field encryption's helpers (portal/fieldcrypt.py), without an app: AES-256-GCM round trips, the key ring's
rotation, refusals of a wrong key, an unknown key id, a tampered or moved value, and the blind indexes."""
import base64

import pytest
from flask import Flask

from portal import fieldcrypt
from portal.fieldcrypt import DecryptionError, FieldCipher, FieldKeyError, parse_key_ring

K1, K2, K3 = (base64.b64encode(bytes([n]) * 32).decode() for n in (1, 2, 3))
INDEX = base64.b64encode(b"i" * 32).decode()
NUMBER = "22010219800101012X"


def make(spec, index=INDEX) -> FieldCipher:
    return FieldCipher.from_config(spec, index)


def test_a_value_round_trips_and_is_stored_as_ciphertext_under_the_current_key_id():
    crypt = make(f"k1:{K1}")
    stored = crypt.encrypt("experts.id_number", NUMBER)
    assert stored.startswith("v1:k1:") and NUMBER not in stored and NUMBER[6:14] not in stored
    assert crypt.decrypt("experts.id_number", stored) == NUMBER
    assert crypt.decrypt("users.totp_secret", crypt.encrypt("users.totp_secret", "")) == ""
    assert crypt.decrypt("experts.phone", crypt.encrypt("experts.phone", "电话 138")) == "电话 138"


def test_the_same_value_encrypts_differently_each_time():
    crypt = make(f"k1:{K1}")
    assert crypt.encrypt("experts.phone", "13812345678") != crypt.encrypt("experts.phone", "13812345678")


def test_a_wrong_key_under_the_same_id_fails_clearly():
    stored = make(f"k1:{K1}").encrypt("experts.id_number", NUMBER)
    with pytest.raises(DecryptionError, match="fails authentication"):
        make(f"k1:{K2}").decrypt("experts.id_number", stored)


def test_a_key_id_that_is_not_configured_is_named_in_the_refusal():
    stored = make(f"k1:{K1}").encrypt("experts.id_number", NUMBER)
    with pytest.raises(DecryptionError, match="key id 'k1' is not in FIELD_KEYS"):
        make(f"k2:{K2}").decrypt("experts.id_number", stored)


def test_after_a_rotation_old_values_still_decrypt_and_new_ones_use_the_first_key():
    old = make(f"k1:{K1}").encrypt("experts.phone", "13812345678")
    rotated = make(f"k2:{K2},k1:{K1}")
    assert rotated.current_id == "k2"
    assert rotated.decrypt("experts.phone", old) == "13812345678"
    again = rotated.encrypt("experts.phone", rotated.decrypt("experts.phone", old))
    assert fieldcrypt.key_id_of(again) == "k2" and fieldcrypt.key_id_of(old) == "k1"
    assert make(f"k2:{K2}").decrypt("experts.phone", again) == "13812345678"   # k1 may go now


@pytest.mark.parametrize("tamper", [
    lambda s: s[:-2] + ("A" if s[-2] != "A" else "B") + s[-1],                 # a byte of the tag
    lambda s: s[:12] + ("A" if s[12] != "A" else "B") + s[13:],                # a byte of the nonce/ciphertext
    lambda s: s[:-4],                                                           # cut short
    lambda s: s.replace("v1:k1:", "v1:k2:"),                                    # another key id claimed
    lambda s: s + "AAAA",
])
def test_a_tampered_value_is_refused(tamper):
    crypt = make(f"k1:{K1},k2:{K2}")
    stored = crypt.encrypt("experts.id_number", NUMBER)
    with pytest.raises(DecryptionError):
        crypt.decrypt("experts.id_number", tamper(stored))


def test_a_value_moved_to_another_column_is_refused():
    crypt = make(f"k1:{K1}")
    phone = crypt.encrypt("experts.phone", "13812345678")
    with pytest.raises(DecryptionError, match="fails authentication"):
        crypt.decrypt("experts.id_number", phone)


@pytest.mark.parametrize("stored", ["22010219800101012X", "", "v2:k1:abc", "v1:bad id:abc", "v1:k1"])
def test_plain_text_or_another_format_is_not_read_as_a_ciphertext(stored):
    with pytest.raises(DecryptionError):
        make(f"k1:{K1}").decrypt("experts.id_number", stored)


def test_the_blind_index_is_deterministic_normalised_and_separate_per_column_and_key():
    crypt = make(f"k1:{K1}")
    index = crypt.blind_index("experts.id_number", NUMBER)
    assert len(index) == 64 and NUMBER not in index
    assert crypt.blind_index("experts.id_number", NUMBER.lower()) == index
    assert crypt.blind_index("experts.phone", "138 1234-5678") == crypt.blind_index("experts.phone", "13812345678")
    assert crypt.blind_index("experts.phone", NUMBER) != index
    assert make(f"k2:{K2}").blind_index("experts.id_number", NUMBER) == index      # not the encryption key's
    assert make(f"k1:{K1}", index=K3).blind_index("experts.id_number", NUMBER) != index


@pytest.mark.parametrize("spec, message", [
    ("", "empty"),
    (K1, "id:base64key"),
    (f"k 1:{K1}", "id:base64key"),
    ("k1:not base64!", "not base64"),
    (f"k1:{base64.b64encode(b'short').decode()}", "AES-256 needs 32"),
    (f"k1:{K1},k1:{K2}", "given twice"),
])
def test_a_malformed_key_ring_is_refused(spec, message):
    with pytest.raises(FieldKeyError, match=message):
        parse_key_ring(spec)


def test_the_blind_index_key_is_long_enough_and_not_an_encryption_key():
    with pytest.raises(FieldKeyError, match="at least 32"):
        make(f"k1:{K1}", index=base64.b64encode(b"short").decode())
    with pytest.raises(FieldKeyError, match="must not be one of"):
        make(f"k1:{K1}", index=K1)


def test_url_safe_base64_keys_are_accepted():
    key = base64.urlsafe_b64encode(bytes(range(200, 232))).decode().rstrip("=")
    assert "-" in key or "_" in key
    assert parse_key_ring(f"k1:{key}")[0][1] == bytes(range(200, 232))


def test_a_development_instance_generates_its_keys_once(tmp_path):
    app = Flask("probe", instance_path=str(tmp_path))
    fieldcrypt.init_app(app)
    first = app.config["FIELD_KEYS"], app.config["BLIND_INDEX_KEY"]
    assert (tmp_path / "field_keys").stat().st_mode & 0o777 == 0o600
    assert app.config["FIELD_KEYS"].startswith("dev1:")
    again = Flask("probe", instance_path=str(tmp_path))
    fieldcrypt.init_app(again)
    assert (again.config["FIELD_KEYS"], again.config["BLIND_INDEX_KEY"]) == first
    stored = app.extensions["fieldcrypt"].encrypt("experts.phone", "13812345678")
    assert again.extensions["fieldcrypt"].decrypt("experts.phone", stored) == "13812345678"


def test_configured_keys_are_used_and_one_without_the_other_is_refused(tmp_path):
    app = Flask("probe", instance_path=str(tmp_path))
    app.config.update(FIELD_KEYS=f"prod1:{K1}", BLIND_INDEX_KEY=INDEX)
    fieldcrypt.init_app(app)
    assert app.extensions["fieldcrypt"].current_id == "prod1" and not (tmp_path / "field_keys").exists()
    half = Flask("probe", instance_path=str(tmp_path))
    half.config.update(FIELD_KEYS=f"prod1:{K1}")
    with pytest.raises(FieldKeyError, match="configured together"):
        fieldcrypt.init_app(half)
