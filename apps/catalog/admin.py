"""Products in the Django admin. Saving goes through ``apps.catalog.services`` (the same rules
as the API); cost and margin are read-only, computed by the selectors. Pictures are shown (a
thumbnail in the list, every picture on the form) but managed through the API, where they are
uploaded: the admin form cannot upload images, and deleting a product here removes its files."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.catalog import pricing, selectors, services
from apps.catalog.models import Product, ProductComponent, ProductExtra, ProductImage
from apps.exchange.admin import ExchangeAdminMixin
from apps.warehouse.models import StockItem
from flowercrm.admin import ShopScopedAdmin, ShopScopedInline, ShopScopedReadOnlyInline, image_preview
from flowercrm.errors import DomainError


class ProductComponentInline(ShopScopedInline):
    """The recipe. Stock items offered are those of the product's shop (on a new product: of
    the shops the user may write the catalog in); the service re-checks the shop."""

    model = ProductComponent
    extra = 1
    fields = ["stock_item", "quantity", "unit_cost", "line_cost"]
    readonly_fields = ["unit_cost", "line_cost"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProductComponent]:
        return super().get_queryset(request).select_related("stock_item")

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        field = formset.form.base_fields.get("stock_item")
        if field is not None and obj is not None:
            field.queryset = StockItem.objects.filter(shop_id=obj.shop_id)  # type: ignore[attr-defined]
        return formset

    @admin.display(description=_("Unit cost"))
    def unit_cost(self, obj: ProductComponent) -> Decimal | str:
        return obj.stock_item.unit_cost if obj.pk else "—"

    @admin.display(description=_("Line cost"))
    def line_cost(self, obj: ProductComponent) -> Decimal | str:
        return obj.line_cost if obj.pk else "—"


class ProductExtraInline(ShopScopedInline):
    """Extras priced into the product (a card, a box): part of its cost with the recipe and
    the labour. Saved whole through the service, in the order shown."""

    model = ProductExtra
    extra = 0
    fields = ["name", "price", "quantity", "line_cost"]
    readonly_fields = ["line_cost"]

    @admin.display(description=_("Line cost"))
    def line_cost(self, obj: ProductExtra) -> Decimal | str:
        return obj.line_cost if obj.pk else "—"


class ProductImageInline(ShopScopedReadOnlyInline):
    """The product's pictures in order, with previews (the cover flagged)."""

    model = ProductImage
    fields = readonly_fields = ("position_number", "preview", "is_primary", "dimensions")
    verbose_name_plural = _("pictures (changed through the API)")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProductImage]:
        return super().get_queryset(request).select_related("image").order_by("position")

    @admin.display(description=_("No."))
    def position_number(self, obj: ProductImage) -> int:
        return obj.position + 1

    @admin.display(description=_("Preview"))
    def preview(self, obj: ProductImage) -> str:
        return image_preview(obj.image, height=120)

    @admin.display(description=_("Size, px"))
    def dimensions(self, obj: ProductImage) -> str:
        return f"{obj.image.width}×{obj.image.height}"


@admin.register(Product)
class ProductAdmin(ExchangeAdminMixin, ShopScopedAdmin):
    exchange_kind = "products"  # import page and "export selected" (apps.exchange.admin)
    area = "catalog"
    list_display = [
        "thumbnail",
        "name",
        "category",
        "price",
        "sale_price",
        "cost",
        "margin",
        "margin_percent",
        "is_active",
        "shop",
    ]
    list_display_links = ["thumbnail", "name"]
    list_filter = ["category", "is_active", "shop"]
    list_select_related = ["shop"]
    search_fields = ["name", "sku"]
    inlines = [ProductComponentInline, ProductExtraInline, ProductImageInline]
    fields = [
        "shop",
        "name",
        "description",
        "category",
        "price",
        "sale_price",
        "sku",
        "is_active",
        "labour",
        "cost",
        "margin",
        "margin_percent",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Product]:
        return selectors.product_annotate(super().get_queryset(request))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Moving a product to another shop would leave its recipe pointing at foreign stock.
        computed = ["cost", "margin", "margin_percent"]
        return ["shop", *computed] if obj is not None else computed

    @admin.display(description=_("Photo"))
    def thumbnail(self, obj: Product) -> str:
        # ``primary_image`` reads the pictures the selector prefetched for the whole page.
        primary = obj.primary_image
        return image_preview(primary.image if primary is not None else None, height=48)

    # A new product's form has no annotated recipe cost yet.
    @admin.display(description=_("Cost (recipe + extras + labour)"), ordering="recipe_cost")
    def cost(self, obj: Product) -> Decimal | str:
        return obj.cost if hasattr(obj, "recipe_cost") else "—"

    @admin.display(description=_("Margin"))
    def margin(self, obj: Product) -> Decimal | str:
        return obj.margin if hasattr(obj, "recipe_cost") else "—"

    @admin.display(description=_("Margin, %"))
    def margin_percent(self, obj: Product) -> Decimal | str:
        percent = obj.margin_percent if hasattr(obj, "recipe_cost") else None
        return "—" if percent is None else percent

    # --- saving through the services -------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: Product, form: Any, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in services.PRODUCT_FIELDS if name in form.cleaned_data}
        try:
            if change:
                services.product_update(product=obj, data=data)
            else:
                created = services.product_create(shop=form.cleaned_data["shop"], data=data)
                obj.pk = created.pk
                obj._state.adding = False
        except DomainError as exc:
            self.refuse(request, exc)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        for formset in formsets:
            # Fills new/changed/deleted_objects for the history message; the service writes.
            formset.save(commit=False)
            kept = [f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
            data: dict[str, Any]
            if formset.model is ProductComponent:
                data = {
                    "components": [
                        {"stock_item": row["stock_item"], "quantity": row["quantity"]}
                        for row in kept
                        if row.get("stock_item")
                    ]
                }
            elif formset.model is ProductExtra:
                data = {
                    "extras": [
                        {"name": row.get("name", ""), "price": row.get("price"), "quantity": row.get("quantity")}
                        for row in kept
                        if row.get("name")
                    ]
                }
            else:
                continue
            try:
                services.product_update(product=form.instance, data=data)
            except DomainError as exc:
                self.refuse(request, exc)
        # §11.1: allowed but probably a mistake — said, not refused.
        product = selectors.product_get(shop=form.instance.shop, product_id=form.instance.pk)
        self.warn(request, pricing.product_warnings(product=product))

    def delete_model(self, request: HttpRequest, obj: Product) -> None:
        services.product_delete(product=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        for product in queryset:
            services.product_delete(product=product)
