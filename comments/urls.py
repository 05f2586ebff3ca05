from django.urls import path

from comments import views

app_name = "comments"
urlpatterns = [
    path("article/<int:article_id>/", views.comment_list, name="list"),
    path("article/<int:article_id>/post/", views.post_comment, name="post"),
    path("<int:comment_id>/replies/", views.reply_list, name="replies"),
    path("<int:comment_id>/like/", views.like, name="like"),
    path("<int:comment_id>/report/", views.report, name="report"),
    path("<int:comment_id>/edit/", views.edit, name="edit"),
    path("<int:comment_id>/delete/", views.delete, name="delete"),
]
