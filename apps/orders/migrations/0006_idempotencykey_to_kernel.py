"""``IdempotencyKey`` now lives in the kernel (``flowercrm.IdempotencyKey``, issue 12): drop it
from this app's state only; the table ``orders_idempotencykey`` and its rows stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0005_order_confirmed_at"),
        ("flowercrm", "0002_idempotencykey"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="IdempotencyKey")],
            database_operations=[],
        ),
    ]
