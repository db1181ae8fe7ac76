from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from . import actions
from .models import User


@admin.register(User)
class EssaimUserAdmin(UserAdmin):
    def save_model(self, request, obj, form, change) -> None:
        actions.do_save_account_from_admin(obj, actor=request.user, changed=form.changed_data)

    def delete_model(self, request, obj) -> None:
        actions.do_delete_account(obj)

    def delete_queryset(self, request, queryset) -> None:
        for user in queryset:
            actions.do_delete_account(user)
