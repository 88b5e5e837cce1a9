"""What the admin index shows above the app list: panels of figures, each figure a link to the
filtered list behind it.

The kernel draws the panels (``flowercrm.admin_site``, ``templates/admin/index.html``) and knows
no app: ``settings.FLOWERCRM_ADMIN_DASHBOARD`` names the function that builds them from the
shops the user runs (``apps.orders.admin_dashboard``)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Figure:
    """One line of a panel: a label, its value (already formatted) and the list it opens."""

    label: str
    value: str = ""
    url: str = ""
    hint: str = ""


@dataclass(frozen=True)
class Panel:
    """A titled group of figures; ``empty`` is shown when there are none."""

    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    url: str = ""
    empty: str = ""
