from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("confirm/sent/", views.confirm_sent, name="confirm_sent"),
    path("confirm/resend/", views.confirm_resend, name="confirm_resend"),
    path("confirm/<uidb64>/<token>/", views.confirm_email, name="confirm_email"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("me/", views.my_comments, name="me"),
    path("me/notifications/", views.notifications, name="notifications"),
    path("me/profile/", views.profile, name="profile"),
    path("me/avatar/", views.avatar, name="avatar"),
    path("me/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "me/password/done/",
        views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("me/export/", views.export, name="export"),
    path("me/delete/", views.delete_account, name="delete_account"),
    path("goodbye/", views.goodbye, name="goodbye"),
]
