from django.db import migrations

from flowercrm.search import trigram_index


class Migration(migrations.Migration):
    dependencies = [("supplies", "0001_initial")]

    operations = [
        trigram_index(table="supplies_supplier"),
        trigram_index(table="supplies_supply"),
    ]
