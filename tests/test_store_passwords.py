"""New passwords: long enough, not on the shipped list of common and breached passwords,
not one character (or a short unit) repeated. Messages never repeat the password."""

from __future__ import annotations

import pytest

from store.users import COMMON_PASSWORDS_FILE, check_password, common_passwords


def test_the_list_is_shipped_as_data_and_large():
    assert COMMON_PASSWORDS_FILE.is_file()
    listed = common_passwords()
    assert len(listed) > 10_000
    assert {"password", "qwerty123456", "1q2w3e4r5t6y"} <= listed


@pytest.mark.parametrize(("password", "why"), [
    ("aaaaaaaaaaaa", "repeated"),
    (" " * 12, "repeated"),
    ("\t" * 16, "repeated"),
    ("abababababab", "repeated"),
    ("abcabcabcabc", "repeated"),
    ("qwerty123456", "common and breached"),
    ("QWERTY123456", "common and breached"),
    ("1q2w3e4r5t6y", "common and breached"),
    ("qazwsxedcrfv", "common and breached"),
    ("Password1234!", "common and breached"),   # a listed word with digits and symbols
    ("!!iloveyou2026", "common and breached"),
    ("short", "at least 12"),
])
def test_weak_passwords_are_refused(password, why):
    with pytest.raises(ValueError, match=why) as caught:
        check_password(password)
    assert password.strip() == "" or password not in str(caught.value)


@pytest.mark.parametrize("password", [
    "correct horse battery", "clinic password 2026", "Tr0ub4dor&3xyz-ok", "aaaaaaaaaaab",
    "mauve otter lantern",
])
def test_reasonable_passwords_are_accepted(password):
    check_password(password)
