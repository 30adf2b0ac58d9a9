"""One code, many requests at the same moment: it opens one session only (the
device row is locked while the code is checked). On PostgreSQL and SQLite."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from accounts.errors import TwoFactorError
from accounts.services_two_factor import (
    two_factor_setup_confirm,
    two_factor_setup_start,
    two_factor_verify,
)
from accounts.tests.factories import UserFactory
from accounts.tests.otp import code_for, forget_attempts

ATTEMPTS = 4


def _at_once(action, count: int) -> list[object]:
    barrier = threading.Barrier(count)
    outcomes: list[object] = []
    lock = threading.Lock()

    def attempt():
        barrier.wait()
        try:
            result = action()
        except TwoFactorError as exc:
            result = exc
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.fixture
def user_with_codes(settings, transactional_db):
    # The per-device delay would turn the losers' refusals into "wait": the race
    # is about the code being spent once, so it is off here.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    user = UserFactory()
    device = two_factor_setup_start(user=user)
    device, codes = two_factor_setup_confirm(user=user, token=code_for(device))
    yield user, device, codes
    forget_attempts()


@pytest.mark.django_db(transaction=True)
def test_a_backup_code_sent_by_several_requests_at_once_works_once(user_with_codes):
    user, _device, codes = user_with_codes

    outcomes = _at_once(lambda: two_factor_verify(user=user, token=codes[0]), ATTEMPTS)

    assert len(outcomes) == ATTEMPTS
    assert sum(not isinstance(outcome, TwoFactorError) for outcome in outcomes) == 1


@pytest.mark.django_db(transaction=True)
def test_an_authenticator_code_sent_by_several_requests_at_once_works_once(
    user_with_codes,
):
    user, device, _codes = user_with_codes
    code = code_for(device, steps_ahead=1)

    outcomes = _at_once(lambda: two_factor_verify(user=user, token=code), ATTEMPTS)

    assert sum(not isinstance(outcome, TwoFactorError) for outcome in outcomes) == 1
