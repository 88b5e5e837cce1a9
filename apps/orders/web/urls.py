"""Routes of the server-rendered pages (mounted at the root by ``config.urls``)."""

from django.urls import path, re_path

from apps.orders.web import views

urlpatterns = [
    re_path(r"^t/(?P<token>[^/]{1,200})/?$", views.tracking_page, name="tracking-page"),
    path("board/", views.board_page, name="board"),
    path("board", views.board_page),  # a trailing slash is optional (``APPEND_SLASH = False``)
    path("board/login/", views.BoardLoginView.as_view(), name="board-login"),
    path("board/logout/", views.board_logout, name="board-logout"),
    path("board/shop/", views.board_shop, name="board-shop"),
    path("board/language/", views.board_language, name="board-language"),
]
