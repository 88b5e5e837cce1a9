import django_filters

from apps.catalog.models import Product, ProductCategory
from flowercrm.filters import CommaListFilter
from flowercrm.limits import MONEY_MAX


class ProductFilter(django_filters.FilterSet):
    """``?category=bouquet,composition&is_active=true&price_from=5000&price_to=20000``
    (the price range is on the list price, inclusive)."""

    category = CommaListFilter(field_name="category", choices=ProductCategory.choices)
    is_active = django_filters.BooleanFilter(field_name="is_active")
    price_from = django_filters.NumberFilter(
        field_name="price", lookup_expr="gte", min_value=0, max_value=MONEY_MAX, max_digits=12, decimal_places=2
    )
    price_to = django_filters.NumberFilter(
        field_name="price", lookup_expr="lte", min_value=0, max_value=MONEY_MAX, max_digits=12, decimal_places=2
    )

    class Meta:
        model = Product
        fields: list[str] = []
