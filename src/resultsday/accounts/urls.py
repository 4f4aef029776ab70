from django.urls import path

from resultsday.accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.sign_in, name="login"),
    path("sign-out/", views.sign_out, name="logout"),
]
urlpatterns.append(path("audit/", views.audit_log, name="audit"))
urlpatterns += [
    path("account/api-keys/", views.api_keys, name="api_keys"),
    path("account/api-keys/<int:pk>/revoke/", views.api_key_revoke, name="api_key_revoke"),
]
