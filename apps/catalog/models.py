"""What a shop sells: products with their recipes (the stems and materials a bouquet takes)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from flowercrm.models import SearchableModel, ShopOwnedModel, TimeStampedModel


class ProductCategory(models.TextChoices):
    BOUQUET = "bouquet", "Букет"
    COMPOSITION = "composition", "Композиция"
    POTTED = "potted", "Горшечное растение"
    OTHER = "other", "Другое"


PRODUCT_CATEGORY_EN = {"bouquet": "Bouquet", "composition": "Composition", "potted": "Potted plant", "other": "Other"}


class Product(SearchableModel, ShopOwnedModel):
    """A bouquet, composition or other item on the shop's price list."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    category = models.CharField(max_length=16, choices=ProductCategory.choices, default=ProductCategory.BOUQUET)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    # A temporary lower price; the order takes it when set.
    sale_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    sku = models.CharField(max_length=64, blank=True, default="")
    is_active = models.BooleanField(default=True)

    search_fields = ("name", "sku")

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="catalog_product_price_gte_0"),
            models.CheckConstraint(
                condition=models.Q(sale_price__isnull=True)
                | (models.Q(sale_price__gte=0) & models.Q(sale_price__lt=models.F("price"))),
                name="catalog_product_sale_below_price",
            ),
            models.UniqueConstraint(
                fields=["shop", "sku"], condition=~models.Q(sku=""), name="catalog_product_sku_unique"
            ),
        ]
        indexes = [models.Index(fields=["shop", "is_active", "category"])]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_price(self) -> Decimal:
        return self.sale_price if self.sale_price is not None else self.price


class ProductComponent(TimeStampedModel):
    """One line of a product's recipe: this many units of a stock item go into one product."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="components")
    stock_item = models.ForeignKey("warehouse.StockItem", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "stock_item"], name="catalog_component_item_unique"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1) & models.Q(quantity__lte=100_000),
                name="catalog_component_quantity_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stock_item} × {self.quantity}"
