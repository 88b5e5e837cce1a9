"""Every write to the catalog (products, their recipes, extras and pictures; ``save_as`` of the
calculator). Recipe lines, extras, the calculator and price warnings are in
``apps.catalog.pricing``.

A recipe is written whole: ``components`` replaces the product's recipe. Each line names a
stock item of the product's shop (re-checked here, whatever the caller validated) at most once,
with a quantity of 1..100000. Errors are nested like the payload
(``{"components": [{}, {"stock_item_id": ["…"]}]}``) and nothing is written.

Extras (``[{"name", "price", "quantity"}]``: what is priced into the product but not kept in
stock) are written whole as well, at most 50, in the order sent; with ``labour`` they are part
of the product's cost (components at current unit costs + extras + labour).

Pictures are written whole too: ``images`` is the ordered list of uploaded image ids (at most
10, each once). The primary picture is ``primary_image_id`` when given (it must be one of the
list), otherwise the first of the list — so the same payload always gives the same result.
Images the product already holds keep their rows, new ones are attached
(``flowercrm.uploads.image_attach``: another shop's, unknown or already used images are a 400 on
their index, ``{"images": [[], ["…"]]}``), and the ones left out are deleted with their files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext

from apps.catalog.constants import MAX_PRODUCT_IMAGES
from apps.catalog.models import Product, ProductCategory, ProductComponent, ProductExtra, ProductImage
from apps.catalog.pricing import Calculation, ExtraLine, RecipeLine, resolve_components, resolve_extras
from apps.catalog.selectors import product_get
from apps.shops.models import Shop
from flowercrm.errors import Invalid, Protected
from flowercrm.limits import MAX_ID, MONEY_MAX
from flowercrm.models import UploadedImage
from flowercrm.updates import model_update, model_validate
from flowercrm.uploads import image_attach, image_delete

PRODUCT_FIELDS = ("name", "description", "category", "price", "sale_price", "sku", "is_active", "labour")
# Stripped of surrounding whitespace before they are stored.
TRIMMED_FIELDS = ("name", "sku", "description")
# Set by the services (the shop) or computed on save (the search column).
NOT_VALIDATED = ("shop", "search_text")


@dataclass(frozen=True)
class ImagePlan:
    """A checked picture list: image ids in order, and which one is primary (None: no images)."""

    image_ids: list[int]
    primary_id: int | None


# --- products ------------------------------------------------------------------------------


@transaction.atomic
def product_create(*, shop: Shop, data: Mapping[str, Any]) -> Product:
    """A new product of ``shop`` with its recipe (``components``, may be empty), ``extras``
    (may be empty), ``labour`` (default 0) and pictures (``images``, may be empty;
    ``primary_image_id``).

    Guarantees: price >= 0; a sale price, when set, is >= 0 and below the price; the SKU (when
    given) is unique in the shop; every component is a stock item of ``shop``, named once;
    each extra has a name, a price >= 0 and a quantity of 1..100000; labour is >= 0;
    every image is a free uploaded image of ``shop``, named once (see the module docstring).
    Returns the product as the selectors give it (recipe cost annotated, recipe and pictures
    prefetched).
    """
    lines = resolve_components(shop=shop, components=data.get("components") or [])
    extras = resolve_extras(data.get("extras") or [])
    plan = plan_images(images=data.get("images") or [], primary=data.get("primary_image_id"))
    product = Product(shop=shop)
    _apply_fields(product, data)
    product.save()
    ProductComponent.objects.bulk_create(
        ProductComponent(product=product, stock_item=line.stock_item, quantity=line.quantity) for line in lines
    )
    _replace_extras(product=product, extras=extras)
    _replace_images(product=product, plan=plan)
    return product_get(shop=shop, product_id=product.pk)


@transaction.atomic
def product_update(*, product: Product, data: Mapping[str, Any]) -> Product:
    """Change the fields present in ``data``; ``components`` (when present) replaces the
    recipe: lines for stock items already in it keep their row (quantity updated), the others
    are added, the missing ones removed. ``extras`` (when present) replaces the extras.
    ``images`` (when present) replaces the pictures the
    same way (removed pictures lose their files once the transaction commits);
    ``primary_image_id`` alone picks the cover among the current pictures. Same guarantees as
    :func:`product_create`; the sale price is checked against the resulting price."""
    # Only the product's row: a lock on the shop would hold up every insert of the shop's rows.
    product = Product.objects.select_for_update(of=("self",)).select_related("shop").get(pk=product.pk)
    lines = resolve_components(shop=product.shop, components=data["components"]) if "components" in data else None
    extras = resolve_extras(data["extras"] or []) if "extras" in data else None
    plan = None
    if "images" in data:
        plan = plan_images(images=data["images"] or [], primary=data.get("primary_image_id"))
    elif data.get("primary_image_id") is not None:
        current = list(
            ProductImage.objects.filter(product=product).order_by("position").values_list("image_id", flat=True)
        )
        plan = plan_images(images=current, primary=data["primary_image_id"])
    _apply_fields(product, data)
    product.save()
    if lines is not None:
        _replace_recipe(product=product, lines=lines)
    if extras is not None:
        _replace_extras(product=product, extras=extras)
    if plan is not None:
        _replace_images(product=product, plan=plan)
    return product_get(shop=product.shop, product_id=product.pk)


@transaction.atomic
def product_delete(*, product: Product) -> None:
    """Delete a product, its recipe and its pictures (their files leave storage once the
    transaction commits).

    Order lines reference products with ``PROTECT``: deleting a product that was ever ordered
    raises ``Protected`` (409 ``protected``) and changes nothing — its pictures stay too; such
    a product is taken off sale with ``is_active = false`` instead, so old orders keep their
    lines.
    """
    try:
        with transaction.atomic():
            pictures = list(ProductImage.objects.filter(product=product).select_related("image"))
            product.delete()  # refused before anything is deleted when an order line holds it
    except ProtectedError:
        raise Protected(gettext("The product is in orders and cannot be deleted; take it off sale.")) from None
    for picture in pictures:
        image_delete(image=picture.image)


def _apply_fields(product: Product, data: Mapping[str, Any]) -> None:
    """Apply the product's fields present in ``data`` (text trimmed) and check the product:
    a name, a price and labour within the money column, the model's own rules (lengths,
    choices, the sale price below the price) and a SKU unique in the shop. Saves nothing."""
    values = {
        name: value.strip() if name in TRIMMED_FIELDS and isinstance(value, str) else value
        for name, value in data.items()
    }
    model_update(instance=product, fields=PRODUCT_FIELDS, data=values, validate=False, save=False)
    if product.labour is None:
        product.labour = Decimal("0.00")
    errors: dict[str, list[str]] = {}
    if not product.name:
        errors["name"] = [gettext("Give a name.")]
    if product.price is None:
        errors["price"] = [gettext("Give a price.")]
    elif not Decimal(0) <= product.price <= MONEY_MAX:
        errors["price"] = [gettext("Price from 0 to %(max)s.") % {"max": MONEY_MAX}]
    if not Decimal(0) <= product.labour <= MONEY_MAX:
        errors["labour"] = [gettext("Labour from 0 to %(max)s.") % {"max": MONEY_MAX}]
    if errors:
        raise Invalid(errors)
    model_validate(product, exclude=NOT_VALIDATED)
    if product.sku and Product.objects.filter(shop_id=product.shop_id, sku=product.sku).exclude(pk=product.pk).exists():
        raise Invalid({"sku": [gettext("A product with this SKU already exists.")]})


def _replace_extras(*, product: Product, extras: Sequence[ExtraLine]) -> None:
    # Written whole and read in id order: the rows are recreated in the order sent.
    ProductExtra.objects.filter(product=product).delete()
    ProductExtra.objects.bulk_create(
        ProductExtra(product=product, name=extra.name, price=extra.price, quantity=extra.quantity) for extra in extras
    )


def _replace_recipe(*, product: Product, lines: Sequence[RecipeLine]) -> None:
    existing = {c.stock_item_id: c for c in ProductComponent.objects.filter(product=product)}
    wanted = {line.stock_item.id: line for line in lines}
    ProductComponent.objects.filter(product=product).exclude(stock_item_id__in=list(wanted)).delete()
    changed = []
    now = timezone.now()  # bulk_update skips auto_now
    for item_id, line in wanted.items():
        row = existing.get(item_id)
        if row is not None and row.quantity != line.quantity:
            row.quantity, row.updated_at = line.quantity, now
            changed.append(row)
    if changed:
        ProductComponent.objects.bulk_update(changed, ["quantity", "updated_at"])
    ProductComponent.objects.bulk_create(
        ProductComponent(product=product, stock_item=line.stock_item, quantity=line.quantity)
        for item_id, line in wanted.items()
        if item_id not in existing
    )


def plan_images(*, images: Sequence[int | UploadedImage], primary: Any = None) -> ImagePlan:
    """Check the shape of a picture list (no database access): at most 10 ids, each an id
    (or an ``UploadedImage``) named once, and ``primary`` (None or one of them). Errors are
    per index — ``{"images": [[], ["…"]]}`` — or on ``primary_image_id``; whether each image
    is the shop's and free is checked when it is attached."""
    if not isinstance(images, Sequence) or isinstance(images, str):
        raise Invalid({"images": [gettext("A list of image ids is expected.")]})
    if len(images) > MAX_PRODUCT_IMAGES:
        raise Invalid(
            {"images": [gettext("At most {max_length} images per product.").format(max_length=MAX_PRODUCT_IMAGES)]}
        )
    ids: list[int] = []
    errors: list[list[str]] = []
    seen: dict[int, int] = {}
    for index, raw in enumerate(images):
        image_id = raw.pk if isinstance(raw, UploadedImage) else raw
        if isinstance(image_id, bool) or not isinstance(image_id, int) or not 1 <= image_id <= MAX_ID:
            errors.append([gettext("An image id is expected.")])
        elif image_id in seen:
            errors.append(
                [
                    gettext("This image is already in the list (position %(position)d).")
                    % {"position": seen[image_id] + 1}
                ]
            )
        else:
            seen[image_id] = index
            ids.append(image_id)
            errors.append([])
    if any(errors):
        raise Invalid({"images": errors})
    if isinstance(primary, UploadedImage):
        primary = primary.pk
    if primary is None:
        return ImagePlan(image_ids=ids, primary_id=ids[0] if ids else None)
    if isinstance(primary, bool) or not isinstance(primary, int) or primary not in seen:
        raise Invalid({"primary_image_id": [gettext("The cover image must be one of the product's images.")]})
    return ImagePlan(image_ids=ids, primary_id=primary)


def _replace_images(*, product: Product, plan: ImagePlan) -> None:
    """Make the product's pictures exactly ``plan``: kept images keep their rows (moved and
    re-flagged in two steps, so the unique position and single-primary constraints hold after
    every statement), new ones are attached, left-out ones deleted with their files."""
    existing = {p.image_id: p for p in ProductImage.objects.filter(product=product).select_related("image")}
    attached: dict[int, UploadedImage] = {}
    errors: list[list[str]] = []
    for image_id in plan.image_ids:
        errors.append([])
        if image_id in existing:
            continue
        try:
            attached[image_id] = image_attach(shop=product.shop, image_id=image_id, field="images")
        except Invalid as exc:  # the caller's transaction rolls back whatever was attached before
            errors[-1] = list(exc.extra["errors"]["images"])
    if any(errors):
        raise Invalid({"images": errors})

    wanted = {image_id: (position, image_id == plan.primary_id) for position, image_id in enumerate(plan.image_ids)}
    removed = [p for image_id, p in existing.items() if image_id not in wanted]
    if removed:
        ProductImage.objects.filter(pk__in=[p.pk for p in removed]).delete()
        for picture in removed:
            image_delete(image=picture.image)

    moved = [
        p for image_id, p in existing.items() if image_id in wanted and wanted[image_id] != (p.position, p.is_primary)
    ]
    if moved:
        # Out of the way first: above every current and every final position.
        offset = max(max(p.position for p in existing.values()) + 1, MAX_PRODUCT_IMAGES)
        ProductImage.objects.filter(pk__in=[p.pk for p in moved]).update(
            position=F("position") + offset, is_primary=False
        )
        now = timezone.now()  # bulk_update skips auto_now
        for picture in moved:
            picture.position, picture.is_primary = wanted[picture.image_id]
            picture.updated_at = now
        ProductImage.objects.bulk_update(moved, ["position", "is_primary", "updated_at"])
    ProductImage.objects.bulk_create(
        ProductImage(product=product, image=image, position=wanted[image_id][0], is_primary=wanted[image_id][1])
        for image_id, image in attached.items()
    )


@transaction.atomic
def calculation_save(*, shop: Shop, calculation: Calculation, data: Mapping[str, Any]) -> Product:
    """Save a calculation as a product: ``data`` gives ``name``, ``category`` (else the
    calculation's, else bouquet) and optionally ``price`` (else the recommended price).

    The product keeps the calculation's components, extras and labour, so its ``cost`` is the
    calculator's cost (at the unit costs of the moment) and its margin the one the calculator
    showed. Errors are nested under ``save_as``.
    """
    price = data.get("price")
    values = {
        "name": data.get("name", ""),
        "description": data.get("description", ""),
        "category": data.get("category") or calculation.category or ProductCategory.BOUQUET,
        "price": price if price is not None else calculation.suggested_prices["recommended"],
        "sku": data.get("sku", ""),
        "components": [{"stock_item": line.stock_item, "quantity": line.quantity} for line in calculation.components],
        "extras": [{"name": e.name, "price": e.price, "quantity": e.quantity} for e in calculation.extras],
        "labour": calculation.labour,
    }
    try:
        return product_create(shop=shop, data=values)
    except Invalid as exc:
        raise Invalid({"save_as": exc.extra["errors"]}) from None
