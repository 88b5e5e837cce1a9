"""The order desk on the admin's order page: transitions, payments and refunds, florist and
courier assignment, comments, the timeline in words and the print views.

``OrderDeskMixin`` is mixed into ``OrderAdmin`` (``apps/orders/admin.py``); every write goes
through ``apps.orders.services``.
"""

from __future__ import annotations


class OrderDeskMixin:
    """Extra admin views and change-page context for orders (filled in by the order-desk work)."""
