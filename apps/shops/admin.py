from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.shops import services
from apps.shops.models import DeliveryZone, Membership, MembershipStatus, Shop
from flowercrm.admin import ShopScopedAdmin, ShopScopedInline
from flowercrm.errors import DomainError
from flowercrm.phone import MAX_PHONE_INPUT, normalize_phone


class DeliveryZoneInline(ShopScopedInline):
    model = DeliveryZone
    extra = 0


class ShopForm(forms.ModelForm):
    """The shop's phone in any common format, kept in E.164 (as the settings API keeps it)."""

    phone = forms.CharField(label=_("Phone"), max_length=MAX_PHONE_INPUT, required=False)

    class Meta:
        model = Shop
        # Every field, as the admin's default form has (``ShopAdmin`` hides and freezes some);
        # this form only adds the cleaning of the slug and the phone.
        fields = "__all__"  # noqa: DJ007

    def clean_slug(self) -> str:
        # Left blank: the shop keeps its address (a new shop's is generated from its name).
        slug: str = (self.cleaned_data.get("slug") or "").strip().lower()
        return slug or self.instance.slug or self.instance.free_slug()

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone", "").strip()
        if not raw:
            return ""
        try:
            return normalize_phone(raw)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None


@admin.register(Shop)
class ShopAdmin(ShopScopedAdmin):
    area = "shop_settings"
    shop_path = "id"
    form = ShopForm
    list_display = ["name", "slug", "storefront_enabled", "currency", "time_zone", "default_delivery_fee", "created_at"]
    list_filter = ["storefront_enabled"]
    search_fields = ["name", "slug"]
    inlines = [DeliveryZoneInline]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        # A new shop's slug is generated from its name (``Shop.save``); it is edited later.
        return ["slug"] if obj is None else super().get_exclude(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The slug is the storefront's address: the shop's admin may change it (unique and
        # URL-safe, the model's validators). The currency is a platform operator's.
        return [] if request.user.is_superuser else ["currency"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


class MembershipAddForm(forms.ModelForm):
    """Adding a member goes through ``staff_add``: a known phone is only invited."""

    phone = forms.CharField(label=_("Phone"), max_length=32)
    name = forms.CharField(label=_("Name (as the shop sees it)"), max_length=150, required=False)
    password = forms.CharField(label=_("Password (for a new user)"), required=False, widget=forms.PasswordInput)

    class Meta:
        model = Membership
        fields = ["shop", "role"]

    def clean_phone(self) -> str:
        try:
            return normalize_phone(self.cleaned_data["phone"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None


@admin.register(Membership)
class MembershipAdmin(ShopScopedAdmin):
    area = "staff"
    list_display = ["person", "role", "status", "is_active", "last_used_at", "shop"]
    list_filter = ["role", "status", "is_active", "shop"]
    # Invited people are found by the name the shop typed; members also by their own name
    # (``get_search_results``): an invitation shows nothing of the person's profile.
    search_fields = ["user__phone", "invited_name", "shop__name", "shop__slug"]
    list_select_related = ["user", "shop"]

    @admin.display(description=_("Staff member"))
    def person(self, obj: Membership) -> str:
        if obj.is_invited:
            return f"{obj.invited_name or gettext('No name')} ({obj.user.phone})"
        return str(obj.user)

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> tuple[Any, bool]:
        found, _duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            found = found | queryset.filter(status=MembershipStatus.ACTIVE, user__name__icontains=term)
        return found, True

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = MembershipAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["shop", "phone", "name", "password", "role"]
        return ["person", "shop", "role", "status", "is_active", "last_used_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["person", "shop", "status", "last_used_at"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        try:
            if not change:
                result = services.staff_add(
                    shop=form.cleaned_data["shop"],
                    phone=form.cleaned_data["phone"],
                    name=form.cleaned_data.get("name", ""),
                    role=form.cleaned_data["role"],
                    password=form.cleaned_data.get("password") or None,
                    actor=cast(User, request.user),
                )
                # The admin logs and links the object it was given: make it the saved row.
                saved = result.membership
                obj.pk, obj.user, obj.is_active = saved.pk, saved.user, saved.is_active
                obj.created_at, obj.updated_at = saved.created_at, saved.updated_at
                obj._state.adding = False
                obj.status = saved.status
                if result.existing_user:
                    messages.info(
                        request,
                        gettext(
                            "This phone already has an account: the person has been sent an invitation; "
                            "access opens when they accept it."
                        ),
                    )
                return
            services.membership_update(
                membership=obj,
                actor=cast(User, request.user),
                role=form.cleaned_data["role"],
                is_active=form.cleaned_data["is_active"],
            )
        except DomainError as exc:
            self.refuse(request, exc)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # People are deactivated, not deleted: the event log keeps who did what.
        return bool(request.user.is_superuser)
