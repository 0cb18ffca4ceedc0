"""Password hashes, loopback detection and login throttling (pure parts of vistterstream.auth)."""

from __future__ import annotations

import pytest

from vistterstream.auth import (
    AccountError,
    LoginThrottle,
    check_new_account,
    hash_password,
    is_loopback,
    verify_password,
)


def test_password_hash_is_salted_and_verifies_only_the_right_password() -> None:
    first, second = hash_password("a long passphrase"), hash_password("a long passphrase")
    assert first != second and first.startswith("scrypt$32768$8$1$")
    assert verify_password("a long passphrase", first)
    assert not verify_password("a long passphrasE", first)
    assert not verify_password("a long passphrase", "md5$whatever")
    assert not verify_password("a long passphrase", "not a hash")


@pytest.mark.parametrize(("host", "local"), [
    ("127.0.0.1", True), ("127.8.9.1", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("LOCALHOST", True), ("0.0.0.0", False), ("192.168.1.20", False), ("::", False), ("studio.lan", False),
    ("localhost.attacker.example", False), ("", False)])
def test_is_loopback(host: str, local: bool) -> None:
    assert is_loopback(host) is local


def test_new_account_rules_name_the_field() -> None:
    check_new_account("admin", "0123456789")
    for username, password, field in [("", "0123456789", "username"), (" admin", "0123456789", "username"),
                                      ("a" * 65, "0123456789", "username"), ("admin", "short", "password"),
                                      ("administrator", "Administrator", "password")]:
        with pytest.raises(AccountError, match=f"^{field}: "):
            check_new_account(username, password)


def test_throttle_counts_failures_per_address_and_forgives_after_success() -> None:
    throttle = LoginThrottle(limit=3, window=60)
    for _ in range(3):
        assert throttle.retry_after("10.0.0.1") == 0
        throttle.failed("10.0.0.1")
    assert 59 < throttle.retry_after("10.0.0.1") <= 60
    assert throttle.retry_after("10.0.0.2") == 0  # another address is not punished
    throttle.succeeded("10.0.0.1")
    assert throttle.retry_after("10.0.0.1") == 0
