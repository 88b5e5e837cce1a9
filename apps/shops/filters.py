import django_filters

from apps.shops.models import Membership
from flowercrm.filters import CommaListFilter
from flowercrm.roles import Role


class StaffFilter(django_filters.FilterSet):
    role = CommaListFilter(field_name="role", choices=Role.choices)
    is_active = django_filters.BooleanFilter(field_name="is_active")

    class Meta:
        model = Membership
        fields: list[str] = []
