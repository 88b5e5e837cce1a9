from django.db import migrations

from flowercrm.search import trigram_index


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]

    operations = [trigram_index(table="orders_order")]
