"""Fixtures shared by the order tests: a bouquet whose recipe takes five roses (test data from
``apps.orders.tests.factories``); the office, the floor and the road of ``shop`` are in the
root ``conftest.py``."""

from __future__ import annotations

import pytest

from apps.orders.tests.factories import make_product, make_stock


@pytest.fixture
def rose(shop):
    return make_stock(shop, name="Роза Фридом", quantity=100)


@pytest.fixture
def bouquet(shop, rose):
    return make_product(shop, price="15000", recipe={rose: 5})
