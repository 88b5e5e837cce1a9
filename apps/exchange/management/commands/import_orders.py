"""``manage.py import_orders PATH --shop SHOP [--dry-run] [--partial] [--errors PATH] [--encoding ENC]
[--delimiter D] [--sheet NAME] [--quiet] [--update]`` (ARCHITECTURE §11.3)."""

from apps.exchange.management.importing import ImportCommand


class Command(ImportCommand):
    help = "Import orders from a CSV or XLSX file into one shop."
    kind = "orders"
