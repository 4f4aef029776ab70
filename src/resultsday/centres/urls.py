from django.urls import path

from resultsday.centres import views

app_name = "centres"
urlpatterns = [
    path("centres/<str:number>/", views.centre_home, name="home"),
    path("ao/<slug:code>/verification/", views.verification_list, name="verification_list"),
    path(
        "ao/<slug:code>/verification/<str:number>/<slug:suite>/<slug:sector>/",
        views.verification_change, name="verification_change",
    ),
]
