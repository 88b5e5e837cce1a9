"""Shop scoping for the Django admin.

A superuser sees everything. Any other staff user sees only rows of shops where they are an
active admin or manager, and may do there what the role matrix allows their role in that
shop. Foreign-key dropdowns are scoped too, so no other shop's rows can be picked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist
from django.db.models import ForeignKey, Model, Q, QuerySet
from django.forms import BaseInlineFormSet, ModelChoiceField
from django.forms.formsets import INITIAL_FORM_COUNT, TOTAL_FORM_COUNT
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.html import format_html

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
    search_text_path: str | None = None

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

    def refuse(self, request: HttpRequest, exc: DomainError) -> None:
        """Call from ``save_model`` when a service raises: roll back and show the reason."""
        details = exc.extra.get("errors") or exc.extra.get("missing") or ""
        messages.error(request, f"{exc.detail} {details}".strip())
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

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        """Searchable models are searched on their folded ``search_text``, as the API does:
        any case of a name on every backend (SQLite's ``icontains`` misses Cyrillic), a phone by
        any part of its digits in any format, a leading 8 also as 7. ``search_fields`` only
        needs to be set to show the search box. ``search_text_path`` names the column when it
        lies on a related row (a movement is found by its item's name)."""
        path = self.search_text_path or ("search_text" if issubclass(self.model, SearchableModel) else None)
        if path is None:
            return super().get_search_results(request, queryset, search_term)
        terms = search_terms(search_term[:MAX_SEARCH_LENGTH])
        if not terms:
            return queryset, False
        condition = Q()
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
        """A relation named plainly in ``list_filter`` offers every row of the related table
        (every user of the platform, every shop); it is narrowed to the values the user's own
        rows hold (``RelatedOnlyFieldListFilter``)."""
        return [_scoped_list_filter(self.model, entry) for entry in super().get_list_filter(request)]


def _scoped_list_filter(model: type[Model], entry: Any) -> Any:
    if not isinstance(entry, str):
        return entry
    try:
        field = get_fields_from_path(model, entry)[-1]
    except (FieldDoesNotExist, NotRelationField):
        return entry
    return (entry, admin.RelatedOnlyFieldListFilter) if field.is_relation else entry


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

    @admin.display(description="Превью")
    def preview(self, obj: UploadedImage) -> str:
        return image_preview(obj, height=64)

    @admin.display(description="Изображение")
    def large_preview(self, obj: UploadedImage) -> str:
        return image_preview(obj, height=320)

    @admin.display(description="Размер, px")
    def dimensions(self, obj: UploadedImage) -> str:
        return f"{obj.width}×{obj.height}"

    @admin.display(description="Прикреплено", boolean=True)
    def attached(self, obj: UploadedImage) -> bool:
        return obj.is_attached

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
