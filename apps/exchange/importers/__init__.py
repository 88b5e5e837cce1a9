"""Imports by kind (ARCHITECTURE §11.3): ``base`` runs any of them; each module applies its
rows through its app's services."""

from apps.exchange.importers.base import Importer, Report, RowError, run_import
from apps.exchange.importers.catalog import ProductImporter
from apps.exchange.importers.customers import CustomerImporter
from apps.exchange.importers.orders import OrderImporter
from apps.exchange.importers.stock import StockImporter

IMPORTERS: dict[str, type[Importer]] = {
    "customers": CustomerImporter,
    "products": ProductImporter,
    "stock": StockImporter,
    "orders": OrderImporter,
}

__all__ = ["IMPORTERS", "Importer", "Report", "RowError", "run_import"]
