from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "nickname", "email", "is_staff", "date_joined"]
    search_fields = ["username", "nickname", "email"]
    fieldsets = [*BaseUserAdmin.fieldsets, (None, {"fields": ["nickname"]})]
