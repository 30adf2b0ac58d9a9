"""`manage.py check_ledger`: prove the star ledger is sound, or say where it is not
(and exit non-zero, so a cron job or CI step fails loudly)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from payments.models import LedgerTransaction
from payments.selectors import ledger_account_totals, ledger_discrepancies


class Command(BaseCommand):
    help = (
        "Check that every cached balance equals the sum of its ledger entries, that "
        "every transaction sums to zero, and that all accounts sum to zero."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--limit", type=int, default=20, help="Show at most this many problems."
        )

    def handle(self, *args, limit: int = 20, **options) -> None:
        problems = ledger_discrepancies(limit=max(limit, 1))
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"The ledger is inconsistent ({len(problems)} shown).")
        totals = ", ".join(f"{k} {v}" for k, v in ledger_account_totals().items())
        count = LedgerTransaction.objects.count()
        self.stdout.write(
            self.style.SUCCESS(f"Ledger OK: {count} transactions; {totals}.")
        )
