"""``manage.py check_ledger [--shop ID]``: verify the stock ledger.

For every stock item: ``quantity`` equals the sum of its movements' deltas, and the latest
movement's ``balance_after`` equals ``quantity``; for every movement: ``balance_after`` equals
the previous movement's balance plus its ``delta`` (the chain). Prints each mismatch and exits
non-zero when there is any.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db.models import F, IntegerField, OuterRef, Q, Subquery, Sum, Value, Window
from django.db.models.functions import Coalesce, Lag
from django.utils.translation import gettext

from apps.shops.models import Shop
from apps.warehouse.models import StockItem, StockMovement
from flowercrm.management.base import TranslatedCommand
from flowercrm.scopes import scopes_disabled


class Command(TranslatedCommand):
    help = "Verify that every stock item's quantity matches its movement ledger."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--shop", type=int, help="Only this shop (id).")

    @scopes_disabled("verifies the ledger of every shop (or the one of --shop) in one pass")
    def handle(self, *args: Any, **options: Any) -> None:
        items = StockItem.objects.all()
        movements = StockMovement.objects.all()
        shop_id = options.get("shop")
        if shop_id is not None:
            if not Shop.objects.filter(pk=shop_id).exists():
                raise CommandError(gettext("Shop %(id)s not found.") % {"id": shop_id})
            items = items.filter(shop_id=shop_id)
            movements = movements.filter(shop_id=shop_id)

        # Movement ids grow in commit order per item (the services lock the item row).
        latest = StockMovement.objects.filter(item=OuterRef("pk")).order_by("-id").values("balance_after")[:1]
        checked = (
            items.annotate(
                delta_sum=Coalesce(
                    Subquery(
                        StockMovement.objects.filter(item=OuterRef("pk"))
                        .order_by()
                        .values("item")
                        .annotate(total=Sum("delta"))
                        .values("total")
                    ),
                    Value(0),
                    output_field=IntegerField(),
                ),
                last_balance=Subquery(latest, output_field=IntegerField()),
            )
            .order_by("shop_id", "id")
            .values("id", "shop_id", "name", "quantity", "delta_sum", "last_balance")
        )
        problems: list[str] = []
        count = 0
        for row in checked.iterator():
            count += 1
            last = row["last_balance"] if row["last_balance"] is not None else 0
            if row["quantity"] != row["delta_sum"] or row["quantity"] != last:
                problems.append(
                    f"shop {row['shop_id']} item {row['id']} «{row['name']}»: quantity={row['quantity']} "
                    f"sum(delta)={row['delta_sum']} last balance_after={row['last_balance']}"
                )

        broken = (
            movements.annotate(
                previous=Window(Lag("balance_after", default=0), partition_by=[F("item_id")], order_by=F("id").asc())
            )
            .filter(~Q(balance_after=F("previous") + F("delta")))
            .order_by("item_id", "id")
            .values("id", "item_id", "delta", "balance_after", "previous")
        )
        for row in broken.iterator():
            problems.append(
                f"movement {row['id']} of item {row['item_id']}: previous balance {row['previous']} "
                f"{row['delta']:+d} != balance_after {row['balance_after']}"
            )

        for line in problems:
            self.stdout.write(self.style.ERROR(line))
        if problems:
            raise CommandError(
                gettext("Ledger mismatches: %(problems)d (items checked: %(count)d).")
                % {"problems": len(problems), "count": count}
            )
        self.stdout.write(self.style.SUCCESS(gettext("Ledger OK: %(count)d items checked.") % {"count": count}))
