from django.db import migrations

from flowercrm.search import trigram_index


class Migration(migrations.Migration):
    dependencies = [("warehouse", "0001_initial")]

    operations = [trigram_index(table="warehouse_stockitem")]
