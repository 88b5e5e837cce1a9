"""Fixtures shared by the order tests: the office, the floor and the road of ``shop``, and a
bouquet whose recipe takes five roses (test data from ``apps.orders.tests.factories``)."""

from __future__ import annotations

import pytest

from apps.orders.tests.factories import make_product, make_stock
from flowercrm.roles import Role


@pytest.fixture
def office(member):
    return member(Role.MANAGER)


@pytest.fixture
def florist(member):
    return member(Role.FLORIST)


@pytest.fixture
def courier(member):
    return member(Role.COURIER)


@pytest.fixture
def rose(shop):
    return make_stock(shop, name="Роза Фридом", quantity=100)


@pytest.fixture
def bouquet(shop, rose):
    return make_product(shop, price="15000", recipe={rose: 5})
