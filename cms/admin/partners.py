from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from cms.admin.forms import language_choices_field
from cms.models import ApiKey, ApiKeyUsage, Partner, Scope

USAGE_DAYS = 30


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Scope.READ],
    )
    languages = language_choices_field()

    class Meta:
        model = ApiKey
        fields = [
            "partner",
            "name",
            "scopes",
            "languages",
            "tags",
            "per_minute",
            "per_day",
            "expires_at",
        ]


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    fields = ("name", "prefix", "scopes", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("name", "contact_name", "contact_email", "website", "key_count")
    search_fields = ("name", "contact_name", "contact_email")
    inlines = (ApiKeyInline,)

    @admin.display(description=_("keys"))
    def key_count(self, obj):
        return obj.keys.count()


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = ("name", "partner", "prefix", "scope_list", "status", "per_minute", "per_day")
    list_filter = ("partner", "revoked_at")
    search_fields = ("name", "prefix", "partner__name")
    filter_horizontal = ("tags",)
    readonly_fields = (
        "prefix",
        "feed_token_prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
        "usage_chart",
    )
    actions = ("revoke", "rotate", "rotate_feed_tokens", "revoke_feed_tokens")

    @admin.display(description=_("scopes"))
    def scope_list(self, obj):
        return ", ".join(obj.scopes)

    @admin.display(description=_("status"))
    def status(self, obj):
        if obj.revoked_at:
            return _("revoked")
        if obj.expires_at and obj.expires_at <= timezone.now():
            return _("expired")
        return _("active")

    @admin.display(description=_("requests, last 30 days"))
    def usage_chart(self, obj):
        if obj.pk is None:
            return "–"
        since = timezone.now().date() - timedelta(days=USAGE_DAYS - 1)
        rows = list(ApiKeyUsage.objects.filter(key=obj, day__gte=since).order_by("day"))
        if not rows:
            return _("No requests yet.")
        peak = max(row.requests for row in rows) or 1
        bars = format_html_join(
            "",
            '<tr><td>{}</td><td><span style="display:inline-block;background:#417690;'
            'height:0.8em;width:{}px"></span> {}</td></tr>',
            (
                (row.day.isoformat(), max(1, 200 * row.requests // peak), row.requests)
                for row in rows
            ),
        )
        return format_html("<table>{}</table>", bars)

    def save_model(self, request, obj, form, change):
        secret = None if change else obj.set_new_secret()
        super().save_model(request, obj, form, change)
        if secret:
            self.message_user(
                request,
                _("Copy this key now; it will not be shown again: %(secret)s") % {"secret": secret},
                messages.WARNING,
            )
            self._show_feed_token(request, obj, obj.issue_feed_token())

    def _show_feed_token(self, request, key, token):
        self.message_user(
            request,
            _(
                "Feed token for “%(name)s” (feeds take it as ?token=; it reads feeds only); "
                "copy it now, it will not be shown again: %(token)s"
            )
            % {"name": key.name, "token": token},
            messages.WARNING,
        )

    @admin.action(description=_("Issue new feed tokens (the old ones stop working)"))
    def rotate_feed_tokens(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True):
            self._show_feed_token(request, key, key.issue_feed_token())

    @admin.action(description=_("Revoke feed tokens (the keys keep working)"))
    def revoke_feed_tokens(self, request, queryset):
        for key in queryset:
            key.revoke_feed_token()
        self.message_user(request, _("Feed tokens revoked."), messages.SUCCESS)

    @admin.action(description=_("Revoke selected keys (at once)"))
    def revoke(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True):
            key.revoke()
        self.message_user(request, _("Keys revoked."), messages.SUCCESS)

    @admin.action(description=_("Rotate selected keys (new secret, old one revoked)"))
    def rotate(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True):
            new, secret = key.rotate()
            self.message_user(
                request,
                _("New key for “%(name)s”; copy it now: %(secret)s")
                % {"name": new.name, "secret": secret},
                messages.WARNING,
            )
            self._show_feed_token(request, new, new.issue_feed_token())
