"""``task_update`` on ``/ws`` (ARCHITECTURE §6): the queue row of a changed task, as the
list endpoint serializes it, to the office and the floor. Tasks are not replayed — clients
refetch the queue after a reconnect."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from apps.orders.visibility import florist_may_see
from apps.production.selectors import task_list
from apps.shops.models import Shop
from flowercrm import events


class _TaskPayload:
    """The task's row, read and serialized once at commit time for every audience."""

    def __init__(self, *, shop_id: int, order_id: int) -> None:
        self.shop_id, self.order_id = shop_id, order_id
        self._data: dict[str, Any] | None = None
        self._floor = False  # whether florists may see the task's order
        self._read = False

    def __call__(self, audience: str) -> dict[str, Any] | None:
        # The serializers import the services, which publish through this module.
        from apps.production.api.serializers import TaskSerializer

        if not self._read:
            shop = Shop.objects.get(pk=self.shop_id)
            task = task_list(shop=shop).filter(order_id=self.order_id).first()
            if task is not None:
                with timezone.override(shop.zoneinfo):
                    self._data = dict(TaskSerializer(task, context={"now": timezone.now()}).data)
                self._floor = florist_may_see(task.order)
            self._read = True
        return None if audience == events.FLOOR and not self._floor else self._data


def publish_task_update(*, shop_id: int, order_id: int) -> None:
    """After commit, send the task of ``order_id`` (one task per order) to the office and the
    floor as it is then; published any number of times in one transaction, it is sent once."""
    events.publish(
        shop_id=shop_id,
        type=events.TASK_UPDATE,
        data=_TaskPayload(shop_id=shop_id, order_id=order_id),
        audience=(events.OFFICE, events.FLOOR),
        coalesce=("task", order_id),  # one task change, one message (the row as it is at commit)
    )
