import pytest

pytestmark = pytest.mark.django_db


def test_the_schema_documents_the_envelope_and_the_error_body(api_as, member) -> None:
    schema = api_as(member()).get("/api/schema/?format=json").json()
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail", "code"]
    orders = schema["paths"]["/api/orders/"]
    assert set(orders["get"]["responses"]) >= {"200", "400", "401", "403", "404", "429"}
    assert "409" in orders["post"]["responses"]
    ref = orders["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    listed = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(listed["properties"]) == {"items", "total"}
