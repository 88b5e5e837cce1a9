"""Shop scoping for the Django admin.

A superuser sees everything. Any other staff user sees only rows of shops where they are an
active admin or manager, and may do there what the role matrix allows their role in that
shop. Foreign-key dropdowns are scoped too, so no other shop's rows can be picked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import NotRelationField, get_fields_from_path, quote, unquote
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db.models import ForeignKey, Model, Q, QuerySet
from django.forms import BaseInlineFormSet, ModelChoiceField
from django.forms.formsets import INITIAL_FORM_COUNT, TOTAL_FORM_COUNT
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from flowercrm import roles
from flowercrm.errors import DomainError
from flowercrm.models import SearchableModel, UploadedImage
from flowercrm.search import MAX_SEARCH_LENGTH, search_terms


class ServiceRefused(Exception):
    """A service refused an admin save; the change form shows why and nothing is saved."""


def back_office_roles(request: HttpRequest) -> dict[int, str]:
    """``{shop_id: role}`` of the request user's active admin/manager memberships (cached
    on the request)."""
    cached = getattr(request, "_flowercrm_admin_roles", None)
    if cached is None:
        from apps.shops.models import Membership

        cached = dict(
            Membership.objects.active()
            .filter(user_id=int(request.user.pk or 0), role__in=roles.BACK_OFFICE_ROLES)
            .values_list("shop_id", "role")
        )
        request._flowercrm_admin_roles = cached  # type: ignore[attr-defined]
    return cached


def _resolve_shop_id(obj: Model, path: str) -> int | None:
    parts = path.split("__")
    current: Any = obj
    for part in parts[:-1]:
        current = getattr(current, part, None)
        if current is None:
            return None
    value = getattr(current, parts[-1], None)
    return value if isinstance(value, int) else None


class ShopScopedAdmin(admin.ModelAdmin):
    """Base admin of shop-owned models: set ``area`` (role matrix) and ``shop_path`` (lookup
    from the model to the shop's id)."""

    area: str = ""
    shop_path: str = "shop_id"
    search_text_paths: tuple[str, ...] = ()

    class Media:
        # Narrower inlines and list highlights: every page fits 1366 px (§11.2).
        css = {"all": ["flowercrm/admin.css"]}

    def _shops_with(self, request: HttpRequest, permission: str) -> list[int]:
        return [sid for sid, role in back_office_roles(request).items() if roles.can(role, self.area, permission)]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.shop_path}__in": self._shops_with(request, roles.READ)}).distinct()

    def _allowed(self, request: HttpRequest, permission: str, obj: Model | None) -> bool:
        if not request.user.is_active or not request.user.is_staff:
            return False
        if request.user.is_superuser:
            return True
        shops = self._shops_with(request, permission)
        if obj is None:
            return bool(shops)
        return _resolve_shop_id(obj, self.shop_path) in shops

    def refuse(self, request: HttpRequest, exc: DomainError | ValidationError) -> None:
        """Call from ``save_model``/``save_related``/``delete_model`` when a service raises:
        show the reason in words (``refusal_text``), roll the change back and come back to the
        page (the change form, or the list after an action)."""
        messages.error(request, refusal_text(exc, self.model))
        raise ServiceRefused from exc

    def warn(self, request: HttpRequest, warnings: Iterable[Mapping[str, object]]) -> None:
        """Show a service's ``warnings`` (allowed but probably a mistake, ARCHITECTURE §11.1)."""
        for warning in warnings:
            messages.warning(request, str(warning["message"]))

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().changeform_view(request, *args, **kwargs)
        except ServiceRefused:
            return HttpResponseRedirect(request.get_full_path())

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        # An action (e.g. deleting the selected rows through a service) was refused.
        try:
            return super().changelist_view(request, extra_context)
        except ServiceRefused:
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None) -> Any:
        try:
            return super().delete_view(request, object_id, extra_context)
        except ServiceRefused:
            # Back to the row, where the reason is shown.
            opts = self.opts
            return HttpResponseRedirect(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(unquote(object_id))])
            )

    def get_list_display(self, request: HttpRequest) -> Any:
        """The ``shop`` column only for people who see more than one shop (a narrower list)."""
        columns = super().get_list_display(request)
        if "shop" in columns and not request.user.is_superuser and len(back_office_roles(request)) <= 1:
            columns = [c for c in columns if c != "shop"]
        return columns

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """A new row's shop is preselected for someone who writes in exactly one shop."""
        initial: dict[str, Any] = super().get_changeform_initial_data(request)
        if self.shop_path == "shop_id" and not request.user.is_superuser:
            shops = self._shops_with(request, roles.WRITE)
            if len(shops) == 1:
                initial.setdefault("shop", shops[0])
        return initial

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        """Searchable models are searched on their folded ``search_text``, as the API does:
        any case of a name on every backend (SQLite's ``icontains`` misses Cyrillic), a phone by
        any part of its digits in any format, a leading 8 also as 7. ``search_fields`` only
        needs to be set to show the search box. ``search_text_paths`` names the columns when they
        lie on related rows too (a movement is found by its item's name, a supply by its
        supplier's)."""
        paths = self.search_text_paths or (("search_text",) if issubclass(self.model, SearchableModel) else ())
        if not paths:
            return super().get_search_results(request, queryset, search_term)
        terms = search_terms(search_term[:MAX_SEARCH_LENGTH])
        if not terms:
            return queryset, False
        condition = Q()
        for path in paths:
            for term in terms:
                condition |= Q(**{f"{path}__contains": term})
        return queryset.filter(condition), False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request, roles.READ, None)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request, roles.READ, obj)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request, roles.WRITE, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._allowed(request, roles.WRITE, None)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request, roles.WRITE, obj)

    def formfield_for_foreignkey(self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any) -> ModelChoiceField:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return _scope_choices(field, db_field, request, lambda: self._shops_with(request, roles.WRITE))

    def get_list_filter(self, request: HttpRequest) -> Any:
        """A relation named plainly in ``list_filter`` (or with Django's
        ``RelatedFieldListFilter``) would offer every row of the related table — every user of
        the platform, every shop's suppliers; it gets ``ShopScopedRelatedFilter`` instead: rows
        of the user's own shops only (people: their members, ``florist``/``courier``: the
        eligible ones)."""
        return [_scoped_list_filter(self.model, entry) for entry in super().get_list_filter(request)]


# --- refusals in words --------------------------------------------------------------------------

_NO_LABEL = {NON_FIELD_ERRORS, "non_field_errors", "detail"}


def _field_label(model: type[Model] | None, name: str) -> tuple[str, type[Model] | None]:
    """The verbose name of ``model``'s field ``name`` (``""`` when it has none) and the model
    its nested errors are about (a reverse relation's rows)."""
    if model is None or name in _NO_LABEL:
        return "", None
    for candidate in (name, name.removesuffix("_id")):
        try:
            field: Any = model._meta.get_field(candidate)
        except FieldDoesNotExist:
            continue
        related: Any = field.related_model if field.is_relation else None
        if related is not None and field.auto_created and not field.concrete:  # a reverse relation: its rows
            return str(capfirst(related._meta.verbose_name_plural)), related
        return str(capfirst(field.verbose_name)), related
    return "", None


def _error_lines(errors: Any, model: type[Model] | None, labels: tuple[str, ...] = ()) -> list[str]:
    prefix = ", ".join(label for label in labels if label)
    if isinstance(errors, Mapping):
        lines = []
        for key, value in errors.items():
            label, related = _field_label(model, str(key))
            lines += _error_lines(value, related or model, (*labels, label))
        return lines
    if isinstance(errors, list | tuple):
        lines = []
        for number, value in enumerate(errors, start=1):
            if isinstance(value, Mapping):
                if value:
                    row = gettext("row %(number)s") % {"number": number}
                    lines += _error_lines(value, model, (*labels, row))
            else:
                lines += _error_lines(value, model, labels)
        return lines
    if isinstance(errors, ValidationError):
        return _error_lines(errors.message_dict if hasattr(errors, "error_dict") else errors.messages, model, labels)
    text = str(errors).strip()
    if not text:
        return []
    return [f"{prefix}: {text}" if prefix else text]


def refusal_text(exc: DomainError | ValidationError, model: type[Model] | None = None) -> str:
    """A service's refusal as a person reads it: the reason, then each message, prefixed by
    the verbose name of its field where there is one (``Цена со скидкой: …``), rows of nested
    lists by their number, and what is missing from stock — never a Python dict."""
    errors: Any
    missing: Any
    if isinstance(exc, ValidationError):
        detail, errors, missing = "", exc, []
    else:
        detail, errors, missing = str(exc.detail), exc.extra.get("errors") or {}, exc.extra.get("missing") or []
    lines = _error_lines(errors, model)
    for row in missing if isinstance(missing, list) else []:
        if isinstance(row, Mapping):
            lines.append(
                gettext("%(name)s: needed %(needed)s, on hand %(on_hand)s")
                % {"name": row.get("name", ""), "needed": row.get("needed", ""), "on_hand": row.get("on_hand", "")}
            )
    if detail and detail not in lines:
        lines.insert(0, detail)
    return " ".join(line if line.endswith((".", "!", "?", "…")) else f"{line}." for line in lines)


# --- list filters of relations, scoped ----------------------------------------------------------


class ShopScopedRelatedFilter(admin.RelatedFieldListFilter):
    """A relation filter that offers rows of the user's own shops only: shops they read,
    the rows of those shops (suppliers, stock items…), their active members (of
    ``member_roles`` when set). A superuser is offered the values the list holds. A
    relation it cannot scope offers the values the user's own rows hold."""

    member_roles: frozenset[str] | None = None

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> Any:
        related: Any = field.related_model
        rows: QuerySet[Any] | None = None
        if isinstance(model_admin, ShopScopedAdmin) and not request.user.is_superuser:
            rows = _shop_rows(related, model_admin._shops_with(request, roles.READ), self.member_roles)
        if rows is None:
            held = model_admin.get_queryset(request).distinct().values_list(f"{self.field_path}__pk", flat=True)
            rows = related._default_manager.filter(pk__in=held)
        ordering = self.field_admin_ordering(field, request, model_admin) or related._meta.ordering or ["pk"]
        return [(obj.pk, str(obj)) for obj in rows.order_by(*ordering)]


def _shop_rows(related: Any, shops: list[int], member_roles: frozenset[str] | None) -> QuerySet[Any] | None:
    if related._meta.label == "shops.Shop":
        return related._default_manager.filter(id__in=shops)
    if related._meta.label == settings.AUTH_USER_MODEL:
        from apps.shops.models import Membership

        members = Membership.objects.active().filter(shop_id__in=shops)
        if member_roles is not None:
            members = members.filter(role__in=member_roles)
        return related._default_manager.filter(pk__in=members.values("user_id"))
    if any(f.name == "shop" for f in related._meta.get_fields()):
        return related._default_manager.filter(shop_id__in=shops)
    return None


class FloristListFilter(ShopScopedRelatedFilter):
    """Florists of the user's shops (members who may be assigned one: florists, managers, admins)."""

    member_roles = roles.ELIGIBLE_FLORIST_ROLES


class CourierListFilter(ShopScopedRelatedFilter):
    """Couriers of the user's shops (couriers, managers, admins)."""

    member_roles = roles.ELIGIBLE_COURIER_ROLES


_MEMBER_FILTERS: dict[str, type[ShopScopedRelatedFilter]] = {
    "florist": FloristListFilter,
    "courier": CourierListFilter,
}


def _scoped_list_filter(model: type[Model], entry: Any) -> Any:
    if isinstance(entry, tuple | list) and len(entry) == 2 and entry[1] is admin.RelatedFieldListFilter:
        entry = entry[0]
    if not isinstance(entry, str):
        return entry
    try:
        field = get_fields_from_path(model, entry)[-1]
    except (FieldDoesNotExist, NotRelationField):
        return entry
    if not field.is_relation:
        return entry
    last = entry.split("__")[-1]
    related: Any = field.related_model
    if related is not None and related._meta.label == settings.AUTH_USER_MODEL:
        return (entry, _MEMBER_FILTERS.get(last, ShopScopedRelatedFilter))
    return (entry, ShopScopedRelatedFilter)


def _scope_choices(field: Any, db_field: ForeignKey, request: HttpRequest, shops: Any) -> Any:
    """Narrow a foreign-key dropdown to rows of the shops ``shops()`` names."""
    if field is not None and not request.user.is_superuser:
        related: Any = db_field.related_model
        queryset: Any = field.queryset
        if related._meta.label == "shops.Shop":
            field.queryset = queryset.filter(id__in=shops())
        elif any(f.name == "shop" for f in related._meta.get_fields()):
            field.queryset = queryset.filter(shop_id__in=shops())
    return field


class ShopScopedInlineMixin:
    """An inline of a ``ShopScopedAdmin``: its permissions are the parent admin's for the
    parent row (Django's default asks for model permissions nobody but a superuser holds,
    so the inline would be hidden from shop staff), and its dropdowns are scoped the same way."""

    admin_site: admin.AdminSite
    parent_model: type[Model]

    def _parent_admin(self) -> ShopScopedAdmin:
        parent = self.admin_site._registry.get(self.parent_model)
        if not isinstance(parent, ShopScopedAdmin):
            raise TypeError(f"{type(self).__name__}: the admin of {self.parent_model} is not a ShopScopedAdmin")
        return parent

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._parent_admin()._allowed(request, roles.READ, obj)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._parent_admin()._allowed(request, roles.WRITE, obj)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._parent_admin()._allowed(request, roles.WRITE, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._parent_admin()._allowed(request, roles.WRITE, obj)

    def formfield_for_foreignkey(self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]
        return _scope_choices(field, db_field, request, lambda: self._parent_admin()._shops_with(request, roles.WRITE))


class ShopScopedInline(ShopScopedInlineMixin, admin.TabularInline):
    """A tabular ``ShopScopedInlineMixin``."""


class ViewOnlyInlineFormSet(BaseInlineFormSet):
    """The formset of a view-only inline. Nothing is saved from it, so a POST of the parent
    form without its management form (a page rendered before the inline existed, a script)
    is not an error: it counts as no rows sent."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        total = f"{self.prefix}-{TOTAL_FORM_COUNT}"
        if self.is_bound and total not in self.data:
            source: Any = self.data  # a QueryDict from the admin, or a dict
            data = source.copy()
            data[total] = data[f"{self.prefix}-{INITIAL_FORM_COUNT}"] = "0"
            self.data = data


class ShopScopedReadOnlyInline(ShopScopedInline):
    """Rows shown on a ``ShopScopedAdmin``'s form to whoever may read the parent row, never
    added, changed or deleted there (a service owns them: photos, pictures, event logs)."""

    extra = 0
    can_delete = False
    formset = ViewOnlyInlineFormSet

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


# --- Uploaded images ------------------------------------------------------------------------


def image_preview(image: UploadedImage | None, *, height: int = 96) -> str:
    """An ``<img>`` of an image's thumbnail linking to the full image, for admin lists and
    forms (product and order admins reuse it); empty when there is no image."""
    if image is None or not image.thumbnail:
        return ""
    return format_html(
        '<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="" style="max-height:{}px;max-width:{}px"></a>',
        image.url,
        image.thumbnail_url,
        height,
        height * 2,
    )


@admin.register(UploadedImage)
class UploadedImageAdmin(ShopScopedAdmin):
    """Read-only: images are created by the upload API and removed by the services of whatever
    holds them (``flowercrm.uploads``), which remove the files too."""

    area = "uploads"
    list_display = ["id", "preview", "original_name", "shop", "content_type", "dimensions", "size", "attached"]
    list_display_links = ["id", "original_name"]
    list_select_related = ["shop"]
    list_filter = [
        "content_type",
        ("attached_at", admin.EmptyFieldListFilter),
        ("shop", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["original_name"]
    date_hierarchy = "created_at"
    fields = readonly_fields = (
        "large_preview",
        "shop",
        "uploaded_by",
        "original_name",
        "content_type",
        "width",
        "height",
        "size",
        "file",
        "thumbnail",
        "attached_at",
        "created_at",
    )

    @admin.display(description=_("Preview"))
    def preview(self, obj: UploadedImage) -> str:
        return image_preview(obj, height=64)

    @admin.display(description=_("Image"))
    def large_preview(self, obj: UploadedImage) -> str:
        return image_preview(obj, height=320)

    @admin.display(description=_("Size, px"))
    def dimensions(self, obj: UploadedImage) -> str:
        return f"{obj.width}×{obj.height}"

    @admin.display(description=_("Attached"), boolean=True)
    def attached(self, obj: UploadedImage) -> bool:
        return obj.is_attached

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
