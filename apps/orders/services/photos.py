"""Photos of orders: the bouquet before delivery, the courier's proof, anything else.

Images are uploaded first (``POST /api/upload/image``) and attached here by id; an image of
another shop, or one already used, is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext

from apps.orders.models import EventType, Order, OrderPhoto, PhotoKind
from apps.orders.services.log import order_lock, order_log_event
from flowercrm.errors import Forbidden
from flowercrm.roles import WRITE, can
from flowercrm.uploads import image_attach, image_delete

if TYPE_CHECKING:
    from apps.accounts.models import User

# The permission of the role matrix's ``orders`` area that adds each kind (ARCHITECTURE §3:
# florists bouquet photos, couriers proofs, the office any).
PERMISSION_BY_KIND: dict[str, str] = {
    PhotoKind.BOUQUET: "bouquet_photo",
    PhotoKind.DELIVERY_PROOF: "proof_photo",
    PhotoKind.OTHER: WRITE,
}


def photo_kind_allowed(*, role: str, kind: str) -> bool:
    """Whether ``role`` may add a photo of ``kind``."""
    return kind in PERMISSION_BY_KIND and can(role, "orders", PERMISSION_BY_KIND[kind])


@transaction.atomic
def order_photo_add(*, order: Order, actor: User, role: str, image_id: int, kind: str) -> OrderPhoto:
    """Attach an uploaded image of the order's shop to the order as a photo of ``kind``."""
    if not photo_kind_allowed(role=role, kind=kind):
        raise Forbidden(gettext("You may not add this photo."))
    order = order_lock(order)
    image = image_attach(shop=order.shop, image_id=image_id, field="image_id")
    photo = OrderPhoto.objects.create(order=order, image=image, kind=kind, created_by=actor)
    order_log_event(order=order, type=EventType.PHOTO, actor=actor, data={"photo_id": photo.id, "kind": kind})
    return photo


@transaction.atomic
def order_photo_delete(*, photo: OrderPhoto, actor: User) -> None:
    """Remove a photo and its files (the files leave storage after commit)."""
    order = order_lock(photo.order_id)
    image = photo.image
    photo_id, kind = photo.id, photo.kind
    photo.delete()
    image_delete(image=image)
    order_log_event(
        order=order, type=EventType.PHOTO, actor=actor, data={"photo_id": photo_id, "kind": kind, "deleted": True}
    )
