from django.urls import re_path

from apps.accounts.api import signup_views, telegram_views, views

urlpatterns = [
    re_path(r"^auth/login/?$", views.LoginView.as_view(), name="auth-login"),
    re_path(r"^auth/refresh/?$", views.RefreshView.as_view(), name="auth-refresh"),
    re_path(r"^auth/logout/?$", views.LogoutView.as_view(), name="auth-logout"),
    re_path(r"^auth/me/?$", views.MeView.as_view(), name="auth-me"),
    re_path(r"^auth/switch-shop/?$", views.SwitchShopView.as_view(), name="auth-switch-shop"),
    re_path(
        r"^auth/invitations/(?P<pk>[0-9]{1,18})/accept/?$",
        views.InvitationAcceptView.as_view(),
        name="auth-invitation-accept",
    ),
    re_path(
        r"^auth/invitations/(?P<pk>[0-9]{1,18})/decline/?$",
        views.InvitationDeclineView.as_view(),
        name="auth-invitation-decline",
    ),
    re_path(r"^auth/signup/start/?$", signup_views.SignupStartView.as_view(), name="auth-signup-start"),
    re_path(r"^auth/signup/complete/?$", signup_views.SignupCompleteView.as_view(), name="auth-signup-complete"),
    re_path(r"^auth/telegram-webapp/?$", signup_views.TelegramWebAppLoginView.as_view(), name="auth-telegram-webapp"),
    re_path(r"^telegram/send-otp/?$", telegram_views.SendOtpView.as_view(), name="telegram-send-otp"),
    re_path(r"^telegram/verify-otp/?$", telegram_views.VerifyOtpView.as_view(), name="telegram-verify-otp"),
    re_path(r"^telegram/webhook/?$", telegram_views.TelegramWebhookView.as_view(), name="telegram-webhook"),
]
