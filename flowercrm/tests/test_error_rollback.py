"""The exception handler outside a test transaction: a domain error raised by a view that is
not inside an atomic block (the normal case without ATOMIC_REQUESTS) is its 4xx, not a 500
from ``transaction.set_rollback`` outside an atomic block."""

import pytest
from rest_framework.test import APIClient

from flowercrm.testing import assert_error


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("flowercrm.tests.urls")
def test_domain_error_outside_an_atomic_block() -> None:
    client = APIClient(raise_request_exception=False)
    assert_error(client.post("/boom/"), 409, "insufficient_stock")
