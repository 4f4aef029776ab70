from django.urls import path

from resultsday.accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.sign_in, name="login"),
    path("sign-out/", views.sign_out, name="logout"),
]
urlpatterns.append(path("audit/", views.audit_log, name="audit"))
