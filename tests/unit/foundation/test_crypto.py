"""Credentials at rest and in flight: AES-GCM, key ids, rotation, bound to the connection."""
import pytest

from shared.crypto import CredentialCipher, CryptoError, new_key_spec

OLD, NEW = new_key_spec("k1"), new_key_spec("k2")


def test_credentials_round_trip_and_the_ciphertext_names_its_key():
    cipher = CredentialCipher(OLD)
    sealed = cipher.encrypt({"access_token": "secret-token"}, "conn-1")
    assert "secret-token" not in sealed and sealed.startswith("v1.k1.")
    assert cipher.decrypt(sealed, "conn-1") == {"access_token": "secret-token"}


def test_ciphertext_moved_to_another_connection_does_not_open():
    cipher = CredentialCipher(OLD)
    with pytest.raises(CryptoError):
        cipher.decrypt(cipher.encrypt({"a": 1}, "conn-1"), "conn-2")


def test_rotation_new_key_first_old_key_still_opens_and_reencrypt_moves_to_the_new():
    sealed_old = CredentialCipher(OLD).encrypt({"a": 1}, "c")
    rotated = CredentialCipher(f"{NEW},{OLD}")
    assert rotated.decrypt(sealed_old, "c") == {"a": 1}
    moved = rotated.reencrypt(sealed_old, "c")
    assert rotated.key_id(moved) == "k2"
    assert CredentialCipher(NEW).decrypt(moved, "c") == {"a": 1}


@pytest.mark.parametrize("text", ["", "v1.k9.AAAA", "v2.k1.AAAA", "garbage"])
def test_unopenable_ciphertext_is_a_clear_error(text):
    with pytest.raises(CryptoError):
        CredentialCipher(OLD).decrypt(text, "c")


@pytest.mark.parametrize("spec", ["", "nokey", "k1:not-base64!", "k1:YWJj"])
def test_malformed_key_rings_are_refused(spec):
    with pytest.raises(ValueError):
        CredentialCipher(spec)
