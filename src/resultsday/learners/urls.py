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
    path("centres/<str:number>/entries/", views.centre_entries, name="centre_entries"),
    path("centres/<str:number>/entries/bulk/", views.entries_bulk_page, name="entries_bulk"),
    path(
        "centres/<str:number>/entries/upload/", views.entries_upload_page, name="entries_upload"
    ),
    path("centres/<str:number>/entries/sample/", views.entries_sample, name="entries_sample"),
    path("registrations/<int:pk>/entries/", views.registration_entries_page, name="entries"),
    path("registrations/<int:pk>/entries/new/", views.entry_new, name="entry_new"),
    path("entries/<int:pk>/withdraw/", views.entry_withdraw_page, name="entry_withdraw"),
    path("centres/<str:number>/top-ups/", views.top_ups_needed, name="top_ups"),
    path("registrations/<int:pk>/top-up/", views.registration_top_up_page, name="top_up"),
    path("my/", views.my_home, name="my_home"),
    path("learners/<int:pk>/invite/", views.learner_invite_page, name="invite"),
    path("learners/<int:pk>/access-code/", views.learner_access_code_page, name="access_code"),
    path(
        "learners/<int:pk>/invite/cancel/", views.learner_invitation_cancel_page,
        name="invitation_cancel",
    ),
    path(
        "learners/<int:pk>/access-code/withdraw/", views.learner_access_code_withdraw_page,
        name="access_code_withdraw",
    ),
    path("centres/<str:number>/access-codes/", views.access_codes_page, name="access_codes"),
    path("invitation/<str:token>/", views.invitation_open, name="invitation"),
    path("invitation/", views.invitation_accept, name="invitation_accept"),
    path("my/sign-in/", views.learner_code_sign_in, name="code_sign_in"),
]
