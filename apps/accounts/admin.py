from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.shops.models import Membership, MembershipStatus
from flowercrm import events
from flowercrm.admin import ShopScopedAdmin
from flowercrm.phone import normalize_phone


class UserCreationForm(forms.ModelForm):
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=128)

    class Meta:
        model = User
        fields = ["phone", "name", "email"]

    def clean_phone(self) -> str:
        try:
            return normalize_phone(self.cleaned_data["phone"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None

    def save(self, commit: bool = True) -> User:
        user: User = super().save(commit=False)
        user.set_password(self.cleaned_data["password1"])
        if commit:
            user.save()
        return user


@admin.register(User)
class UserAdmin(ShopScopedAdmin, DjangoUserAdmin):
    """Superusers manage accounts. A shop's admins and managers see the people of their
    shops read-only: a user's name and password are changed only by that user."""

    area = "staff"
    shop_path = "memberships__shop_id"
    add_form = UserCreationForm
    list_display = ["phone", "name", "shop_roles", "email", "is_active", "is_staff", "telegram_id"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["phone", "name", "email"]
    ordering = ["name", "id"]
    readonly_fields = ["created_at", "updated_at", "last_login"]
    fieldsets = (
        (None, {"fields": ("phone", "password")}),
        (_("Profile"), {"fields": ("name", "email", "telegram_id")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Dates"), {"fields": ("last_login", "created_at", "updated_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("phone", "name", "email", "password1")}),)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            # Their tokens stop working at once; their open sockets are closed too (after commit).
            events.force_close(user_id=obj.pk)

    def _colleagues(self, request: HttpRequest) -> QuerySet[Membership]:
        """Memberships of the shops the request user reads — accepted ones only: someone
        merely invited keeps their profile to themselves."""
        return Membership.objects.filter(shop_id__in=self._shops_with(request, "read")).exclude(
            status=MembershipStatus.INVITED
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        qs = super().get_queryset(request)
        memberships = Membership.objects.active().select_related("shop").order_by("shop__name", "id")
        if request.user.is_superuser:
            return qs.prefetch_related(Prefetch("memberships", queryset=memberships, to_attr="shown_memberships"))
        # Only the roles in the request user's own shops are shown.
        memberships = memberships.filter(shop_id__in=self._shops_with(request, "read"))
        return qs.filter(pk__in=self._colleagues(request).values("user_id")).prefetch_related(
            Prefetch("memberships", queryset=memberships, to_attr="shown_memberships")
        )

    @admin.display(description=_("Roles"))
    def shop_roles(self, obj: User) -> str:
        shown = getattr(obj, "shown_memberships", [])
        return "; ".join(f"{m.shop.name}: {m.get_role_display()}" for m in shown) or "—"

    def _allowed(self, request: HttpRequest, permission: str, obj: Any) -> bool:
        if request.user.is_superuser:
            return True
        if permission != "read" or not request.user.is_staff:
            return False
        if obj is None:
            return bool(self._shops_with(request, "read"))
        return self._colleagues(request).filter(user=obj).exists()
