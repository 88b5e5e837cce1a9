import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from flowercrm.models import IdempotencyKey

pytestmark = pytest.mark.django_db


def test_maintenance_deletes_only_what_has_expired(shop, member, capsys) -> None:
    user = member().user
    old = IdempotencyKey.objects.create(shop=shop, user=user, scope="s", key="old", request_hash="h")
    IdempotencyKey.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(hours=25))
    fresh = IdempotencyKey.objects.create(shop=shop, user=user, scope="s", key="new", request_hash="h")
    call_command("maintenance")
    assert list(IdempotencyKey.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert "ключи идемпотентности: 1" in capsys.readouterr().out
    call_command("maintenance")  # idempotent
    assert IdempotencyKey.objects.count() == 1
