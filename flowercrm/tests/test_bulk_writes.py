"""``values_validate`` is ``model_validate`` without building the row; ``bulk_insert`` is
``bulk_create`` by ``COPY``: each proved against the original on the same input."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from apps.customers.models import Customer, CustomerAddress, CustomerTag, ImportantDate
from apps.warehouse.models import StockItem
from flowercrm.bulk import bulk_insert, bulk_insert_values
from flowercrm.errors import Invalid
from flowercrm.scopes import scope
from flowercrm.updates import model_validate, values_validate

CASES: list[tuple[type[Any], tuple[str, ...], dict[str, Any]]] = [
    (Customer, ("shop", "search_text"), {"phone": "+77011234567"}),
    (Customer, ("shop", "search_text"), {"phone": "+77011234567", "name": "Айгерим", "email": "a@example.com"}),
    (Customer, ("shop", "search_text"), {"phone": "+77011234567", "email": "not an email"}),
    (Customer, ("shop", "search_text"), {"phone": "+7701123456712345678", "name": "x" * 151}),
    (Customer, ("shop", "search_text"), {"phone": "+77011234567", "source": "pigeon"}),
    (Customer, ("shop", "search_text"), {"phone": "", "source": ""}),
    (Customer, ("shop", "search_text"), {"name": "no phone"}),
    (Customer, ("search_text",), {"phone": "+77011234567"}),  # the shop not excluded: required
    (CustomerAddress, ("customer",), {"address": "ул. Абая 10", "is_default": True}),
    (CustomerAddress, ("customer",), {"address": ""}),
    (CustomerAddress, ("customer",), {"label": "дом"}),  # no address at all
    (CustomerAddress, ("customer",), {"address": "x" * 501, "floor": "y" * 21}),
    (ImportantDate, ("customer",), {"day": 8, "month": 3, "title": "8 марта"}),
    (ImportantDate, ("customer",), {"day": 31, "month": 2, "title": "x"}),  # the model's own clean()
    (ImportantDate, ("customer",), {"day": 0, "month": 13, "title": ""}),
    (ImportantDate, ("customer",), {"day": 1, "month": 2}),
    (StockItem, ("shop", "match_key", "search_text"), {"name": "Роза", "height_cm": 60, "retail_price": Decimal("9")}),
    (StockItem, ("shop", "match_key", "search_text"), {"name": ""}),
    (StockItem, ("shop", "match_key", "search_text"), {"name": "Роза", "category": "tree", "unit": "kg"}),
    (StockItem, ("shop", "match_key", "search_text"), {"name": "Роза", "retail_price": Decimal("1e12")}),
    (StockItem, ("shop", "match_key", "search_text"), {"name": "Роза", "retail_price": Decimal("1.005")}),
    (StockItem, ("shop", "match_key", "search_text"), {"name": "Роза", "height_cm": -1, "min_quantity": "many"}),
    (StockItem, ("shop", "match_key", "search_text"), {"name": "Р" * 300, "is_active": None}),
]


def _model_validate(model: type[Any], exclude: tuple[str, ...], values: dict[str, Any]) -> dict[str, Any]:
    instance = model(**values)
    try:
        model_validate(instance, exclude=exclude)
    except Invalid as exc:
        return {"errors": exc.extra["errors"]}
    return {"values": {name: getattr(instance, name) for name in values}}


def _values_validate(model: type[Any], exclude: tuple[str, ...], values: dict[str, Any]) -> dict[str, Any]:
    try:
        return {"values": values_validate(model, values, exclude=exclude)}
    except Invalid as exc:
        return {"errors": exc.extra["errors"]}


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize(("model", "exclude", "values"), CASES)
def test_values_validate_gives_the_errors_of_model_validate(
    model: type[Any], exclude: tuple[str, ...], values: dict[str, Any], language: str
) -> None:
    with translation.override(language):
        assert _values_validate(model, exclude, values) == _model_validate(model, exclude, values)


def test_the_cases_fail_and_pass() -> None:
    """The cases above are no vacuous comparison: most are refused, some pass."""
    outcomes = [_values_validate(*case) for case in CASES]
    assert sum("errors" in o for o in outcomes) >= 14 and sum("values" in o for o in outcomes) >= 4


@pytest.mark.django_db
def test_bulk_insert_writes_what_bulk_create_writes(shop) -> None:
    def rows(prefix: str) -> list[Customer]:
        made = [Customer(shop=shop, phone=f"+7701{prefix}{n:06d}", name=f"К {n}", source="phone") for n in range(3)]
        for customer in made:
            customer.search_text = customer.compute_search_text()
        return made

    with scope(shop=shop):
        copied = bulk_insert(Customer, rows("1"))
        created = Customer.objects.bulk_create(rows("2"))
        assert all(c.pk and not c._state.adding for c in copied)
        bulk_insert_values(CustomerTag, [{"customer_id": c.pk, "name": "VIP"} for c in copied])
        CustomerTag.objects.bulk_create(CustomerTag(customer=c, name="VIP") for c in created)

        def state(customers: Any) -> list[tuple[Any, ...]]:
            ids = [c.pk for c in customers]
            return [
                (c.name, c.source, c.search_text[:4], c.created_at is not None, [t.name for t in c.tags.all()])
                for c in Customer.objects.filter(pk__in=ids).prefetch_related("tags").order_by("pk")
            ]

        assert state(copied) == state(created)
        assert Customer.objects.filter(pk__in=[c.pk for c in copied]).count() == 3
