from django.urls import path

from news import feeds, sitemaps, views

urlpatterns = [
    path("keywords/<str:slug>/", views.keyword, name="keyword"),
    path("rss/", feeds.LatestArticlesFeed(), name="feed"),
    path("rss/<slug:slug>/", feeds.ChannelFeed(), name="channel_feed"),
    path("sitemap.xml", sitemaps.sitemap_index, name="sitemap_index"),
    path("sitemap-<str:section>.xml", sitemaps.sitemap_section, name="sitemap_section"),
]
