from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import NicknameChange, User


class NicknameChangeInline(admin.TabularInline):
    model = NicknameChange
    fields = ["old", "new", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = [
        "username",
        "nickname",
        "email",
        "email_confirmed",
        "is_staff",
        "date_joined",
    ]
    list_filter = [*BaseUserAdmin.list_filter, "email_confirmed"]
    search_fields = ["username", "nickname", "email"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (
            _("Reader"),
            {"fields": ["nickname", "email_confirmed", "avatar", "email_on_reply"]},
        ),
        (
            _("Sanctions"),
            {"fields": ["banned_until", "muted_until", "sanction_reason"]},
        ),
    ]
    inlines = [NicknameChangeInline]
