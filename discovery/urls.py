from django.urls import path

from discovery import feeds, views

urlpatterns = [
    path("hit/<int:article_id>/", views.hit, name="view_beacon"),
    path("rss/topics/<slug:slug>/", feeds.TopicFeed(), name="topic_feed"),
]
