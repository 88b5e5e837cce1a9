"""Limits of the catalog, written once: the model columns, the services, the calculator and the
API serializers read them here."""

from __future__ import annotations

# Product.name, Product.description (the API's bound: a text column has none), Product.sku.
NAME_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 5000
SKU_MAX_LENGTH = 64
# Lines of a recipe, extras of a product, pictures of a product.
MAX_COMPONENTS = 100
MAX_EXTRAS = 50
MAX_PRODUCT_IMAGES = 10
# ProductExtra.name.
EXTRA_NAME_MAX_LENGTH = 200
