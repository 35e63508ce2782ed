from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from cpahub.core.admin_site import restrict_admin_to_system_administrators

restrict_admin_to_system_administrators(admin.site)

api_patterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("core/", include("cpahub.core.api.urls")),
    path("registry/", include("cpahub.registry.api.urls")),
    path("ledgers/", include("cpahub.ledgers.api.urls")),
    path("clients/", include("cpahub.clients.api.urls")),
    path("engagements/", include("cpahub.engagements.api.urls")),
    path("time/", include("cpahub.timesheets.api.urls")),
    path("billing/", include("cpahub.billing.api.urls")),
]

urlpatterns = [
    path("", include("cpahub.portal.urls")),
    path("accounts/", include("cpahub.accounts.urls")),
    path("sso/", include("cpahub.sso.urls")),
    path("log/", include("cpahub.core.urls")),
    path("registry/import/", include("cpahub.registry.urls_import")),
    path("registry/", include("cpahub.registry.urls")),
    path("ledgers/", include("cpahub.ledgers.urls")),
    path("clients/", include("cpahub.clients.urls")),
    path("engagements/", include("cpahub.engagements.urls")),
    path("practice/", include("cpahub.practice.urls")),
    path("time/", include("cpahub.timesheets.urls")),
    path("billing/", include("cpahub.billing.urls")),
    path("usage/", include("cpahub.metering.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include((api_patterns, "api"))),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
