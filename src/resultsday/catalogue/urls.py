from django.urls import path

from resultsday.catalogue import views

app_name = "catalogue"
urlpatterns = [
    path("ao/<slug:code>/", views.ao_home, name="ao_home"),
    path("catalogue/", views.qualification_index, name="index"),
    path("catalogue/<int:pk>/", views.qualification_detail, name="qualification"),
    path("key-dates/", views.key_dates, name="key_dates"),
    path("regulator/", views.regulator_home, name="regulator_home"),
    path("calculator/", views.grade_calculator, name="calculator"),
]
