from django import forms
from django.contrib import admin, messages
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.admin.forms import language_choices_field
from cms.models import WebhookDelivery, WebhookEndpoint
from cms.models.webhook import Event


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"size": 60}),
        help_text=WebhookEndpoint._meta.get_field("url").help_text,
    )
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=Event.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Empty: every event."),
    )
    languages = language_choices_field()

    class Meta:
        model = WebhookEndpoint
        fields = ["partner", "url", "events", "languages", "tags", "active"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("url", "partner", "active", "created_at")
    list_filter = ("active", "partner")
    readonly_fields = ("secret", "created_at")
    filter_horizontal = ("tags",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "event",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
    )
    list_filter = ("status", "event", "endpoint")
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]
    actions = ("redeliver",)

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Deliver again now"))
    def redeliver(self, request, queryset):
        from cms.partners.webhooks import schedule

        with transaction.atomic():
            for delivery in queryset:
                delivery.status = WebhookDelivery.Status.PENDING
                delivery.next_attempt_at = timezone.now()
                delivery.save(update_fields=["status", "next_attempt_at"])
                schedule(delivery)
        self.message_user(request, _("Deliveries queued again."), messages.SUCCESS)
