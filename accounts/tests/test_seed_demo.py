from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from payments.selectors import ledger_discrepancies

pytestmark = pytest.mark.django_db


def test_seed_demo_can_run_again_and_again_without_duplicating_anything(settings):
    settings.DEBUG = True  # what `make run` has
    call_command("seed_demo")
    first = sorted(User.objects.values_list("username", "stars_balance"))
    call_command("seed_demo")
    call_command("seed_demo")

    assert sorted(User.objects.values_list("username", "stars_balance")) == first
    assert User.objects.filter(is_staff=True).count() == 1
    demo = User.objects.filter(telegram_id__isnull=False)
    assert {user.preferred_language for user in demo} == {"ru", "en", "ar"}
    assert all(user.stars_balance == 1000 for user in demo)
    assert ledger_discrepancies() == []


def test_seed_demo_refuses_a_production_configuration(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG=0"):
        call_command("seed_demo")
    assert not User.objects.exists()
