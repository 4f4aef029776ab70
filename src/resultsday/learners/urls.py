from django.urls import path

from resultsday.learners import views

app_name = "learners"
urlpatterns = [
    path("centres/<str:number>/learners/", views.learner_list, name="list"),
    path("learners/<int:pk>/", views.learner_detail, name="detail"),
    path("my/", views.my_home, name="my_home"),
]
