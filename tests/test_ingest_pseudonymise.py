"""Pseudonymous ids: keyed, stable, short, and the key kept out of the project."""

from __future__ import annotations

import hashlib
import hmac
import stat

import pytest

from toolkit.errors import UserError
from toolkit.privacy.pseudonymise import KEY_ENV, KEY_FILE_ENV, Pseudonymiser, load_key


def test_pid_is_the_truncated_hmac_of_the_reference():
    key = b"a key used only for this test"
    expected = "p_" + hmac.new(key, b"CL-0042", hashlib.sha256).hexdigest()[:10]
    assert Pseudonymiser(key).pid("CL-0042") == expected
    assert Pseudonymiser(key).pid("  CL-0042\t") == expected


def test_the_same_reference_under_another_key_gets_another_pid():
    one = Pseudonymiser(b"first key, sixteen+ bytes")
    two = Pseudonymiser(b"second key, sixteen+ bytes")
    assert one.pid("CL-0042") != two.pid("CL-0042")
    assert one.pid("CL-0042") != one.pid("cl-0042")  # references are case-sensitive


def test_mapping_covers_every_reference_without_collisions():
    refs = [f"CL-{i:04d}" for i in range(2000)]
    mapping = Pseudonymiser(b"a key used only for this test").mapping(refs)
    assert len(set(mapping.values())) == 2000
    assert all(len(pid) == 12 and pid.startswith("p_") for pid in mapping.values())


def test_key_id_tells_keys_apart_without_being_a_pid():
    one = Pseudonymiser(b"first key, sixteen+ bytes")
    assert one.key_id == Pseudonymiser(b"first key, sixteen+ bytes").key_id
    assert one.key_id != Pseudonymiser(b"second key, sixteen+ bytes").key_id
    assert len(one.key_id) == 8


def test_the_key_never_shows_in_repr():
    assert "secret" not in repr(Pseudonymiser(b"secret secret secret"))


def test_key_from_the_environment(monkeypatch):
    monkeypatch.setenv(KEY_ENV, "  a long enough phrase  ")
    assert load_key() == b"a long enough phrase"
    monkeypatch.setenv(KEY_ENV, "short")
    with pytest.raises(UserError, match="the pseudonym key is too short"):
        load_key()


def test_first_use_creates_a_private_key_file_with_a_warning(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv(KEY_ENV, raising=False)
    key_file = tmp_path / "config" / "pseudonym.key"
    monkeypatch.setenv(KEY_FILE_ENV, str(key_file))
    first = load_key()
    assert "created a new pseudonym key" in capsys.readouterr().err
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_key() == first  # reused, silently
    assert capsys.readouterr().err == ""
    assert len(first) == 64


def test_a_key_file_inside_the_project_or_outputs_is_refused(monkeypatch, tmp_path):
    from toolkit.resources import checkout_root

    repo_root = checkout_root()
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.setenv(KEY_FILE_ENV, str(repo_root / "pseudonym.key"))
    with pytest.raises(UserError, match="inside the project or outputs folder"):
        load_key()
    assert not (repo_root / "pseudonym.key").exists()
    monkeypatch.setenv(KEY_FILE_ENV, str(tmp_path / "outputs" / "k"))
    with pytest.raises(UserError):
        load_key(forbidden=[tmp_path / "outputs"])


def test_no_key_and_no_permission_to_create_one(monkeypatch, tmp_path):
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.setenv(KEY_FILE_ENV, str(tmp_path / "missing.key"))
    with pytest.raises(UserError, match="no pseudonym key found"):
        load_key(create=False)
