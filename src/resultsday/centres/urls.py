from django.urls import path

from resultsday.centres import views

app_name = "centres"
urlpatterns = [path("<str:number>/", views.centre_home, name="home")]
