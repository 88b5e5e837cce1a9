"""What a shop sells: products with their recipes (the stems and materials a bouquet takes) and
their pictures."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.catalog.constants import EXTRA_NAME_MAX_LENGTH, NAME_MAX_LENGTH, SKU_MAX_LENGTH
from flowercrm.models import SearchableModel, ShopOwnedModel, TimeStampedModel
from flowercrm.money import quantize_money
from flowercrm.scopes import ShopScopedManager


class ProductCategory(models.TextChoices):
    BOUQUET = "bouquet", _("Bouquet")
    COMPOSITION = "composition", _("Composition")
    POTTED = "potted", _("Potted plant")
    OTHER = "other", _("Other")


PERCENT_STEP = Decimal("0.1")


class Product(SearchableModel, ShopOwnedModel):
    """A bouquet, composition or other item on the shop's price list."""

    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    description = models.TextField(_("description"), blank=True, default="")
    category = models.CharField(
        _("category"), max_length=16, choices=ProductCategory.choices, default=ProductCategory.BOUQUET
    )
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2)
    # A temporary lower price; the order takes it when set.
    sale_price = models.DecimalField(_("sale price"), max_digits=12, decimal_places=2, null=True, blank=True)
    sku = models.CharField(_("SKU"), max_length=SKU_MAX_LENGTH, blank=True, default="")
    is_active = models.BooleanField(_("on sale"), default=True)
    # The florist's work priced into the product (the calculator's labour), part of its cost.
    labour = models.DecimalField(_("labour"), max_digits=12, decimal_places=2, default=Decimal("0.00"))

    search_fields = ("name", "sku")

    # What one product costs the shop: Σ component quantity × current unit cost + Σ extras
    # + labour, annotated by ``apps.catalog.selectors`` (read products through the selectors;
    # a bare instance has none). Read it as ``cost``: SQLite sums decimals as floats, so the
    # raw value may carry float noise.
    recipe_cost: Decimal

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="catalog_product_price_gte_0"),
            models.CheckConstraint(condition=models.Q(labour__gte=0), name="catalog_product_labour_gte_0"),
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

    def clean(self) -> None:
        # The CHECK constraint holds it in the database; this names the field for forms and the API.
        if self.sale_price is not None and self.price is not None and not 0 <= self.sale_price < self.price:
            raise ValidationError({"sale_price": _("The sale price must be at least 0 and below the price.")})

    @property
    def effective_price(self) -> Decimal:
        return self.sale_price if self.sale_price is not None else self.price

    @property
    def cost(self) -> Decimal:
        """Components at current unit costs + extras + labour, to the cent (half-up)."""
        return quantize_money(self.recipe_cost)

    @property
    def margin(self) -> Decimal:
        """Effective price − cost (negative when the bouquet sells below its cost)."""
        return self.effective_price - self.cost

    @property
    def primary_image(self) -> ProductImage | None:
        """The cover picture, from the pictures the selectors prefetch (no query then)."""
        return next((picture for picture in self.images.all() if picture.is_primary), None)

    @property
    def margin_percent(self) -> Decimal | None:
        """Margin ÷ effective price × 100, half-up to 0.1; ``None`` at an effective price of 0."""
        price = self.effective_price
        if not price:
            return None
        return (self.margin * 100 / price).quantize(PERCENT_STEP, rounding=ROUND_HALF_UP)


class ProductComponent(TimeStampedModel):
    """One line of a product's recipe: this many units of a stock item go into one product."""

    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="components")
    stock_item = models.ForeignKey(
        "warehouse.StockItem", verbose_name=_("stock item"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity"))

    objects = ShopScopedManager("product__shop")

    class Meta:
        verbose_name = _("recipe line")
        verbose_name_plural = _("recipe")
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

    @property
    def line_cost(self) -> Decimal:
        """Quantity × the stock item's current unit cost (exact: an integer times cents)."""
        return self.quantity * self.stock_item.unit_cost


class ProductExtra(TimeStampedModel):
    """Something priced into one product that is not kept in stock (a greeting card, a hat box,
    a topper): ``quantity`` of them at ``price`` each, part of the product's cost. A product's
    extras are written whole and read in ``id`` order (the order they were sent)."""

    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="extras")
    name = models.CharField(_("name"), max_length=EXTRA_NAME_MAX_LENGTH)
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)

    objects = ShopScopedManager("product__shop")

    class Meta:
        ordering = ["id"]
        verbose_name = _("extra")
        verbose_name_plural = _("extras")
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="catalog_extra_price_gte_0"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1) & models.Q(quantity__lte=100_000),
                name="catalog_extra_quantity_range",
            ),
            models.CheckConstraint(condition=~models.Q(name=""), name="catalog_extra_name_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.name} × {self.quantity}"

    @property
    def line_cost(self) -> Decimal:
        """Quantity × price, to the cent (half-up)."""
        return quantize_money(self.quantity * self.price)


class ProductImage(TimeStampedModel):
    """One picture of a product on the shop's price list, at ``position`` (0-based) in the
    order a client shows them; the ``is_primary`` one is the product's cover (lists, the
    order form). The bytes live in an uploaded image of the product's shop, used by this row
    only (``flowercrm.uploads.image_attach``); ``apps.catalog.services`` removes the file with
    the row."""

    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="images")
    image = models.OneToOneField(
        "flowercrm.UploadedImage", verbose_name=_("image"), on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    is_primary = models.BooleanField(_("cover"), default=False)

    objects = ShopScopedManager("product__shop")

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("product image")
        verbose_name_plural = _("product images")
        constraints = [
            models.UniqueConstraint(fields=["product", "position"], name="catalog_image_position_unique"),
            models.UniqueConstraint(
                fields=["product"], condition=models.Q(is_primary=True), name="catalog_image_one_primary"
            ),
            models.CheckConstraint(condition=models.Q(position__gte=0), name="catalog_image_position_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.product} #{self.position + 1}"
