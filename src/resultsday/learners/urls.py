from django.urls import path

from resultsday.learners import views

app_name = "learners"
urlpatterns = [
    path("centres/<str:number>/learners/", views.learner_list, name="list"),
    path(
        "centres/<str:number>/registrations/new/", views.register_new_learner,
        name="register_new",
    ),
    path(
        "centres/<str:number>/registrations/upload/", views.registration_upload_page,
        name="upload",
    ),
    path(
        "centres/<str:number>/registrations/template.<str:kind>", views.registration_template,
        name="upload_template",
    ),
    path("learners/<int:pk>/", views.learner_detail, name="detail"),
    path("learners/<int:pk>/amend/", views.learner_amend_page, name="amend"),
    path(
        "learners/<int:pk>/registrations/new/", views.register_existing_learner,
        name="register_existing",
    ),
    path(
        "registrations/<int:pk>/withdraw/", views.registration_withdraw_page, name="withdraw"
    ),
    path("my/", views.my_home, name="my_home"),
]
