"""Admin behaviour for news: file new articles into their month."""

from wagtail import hooks

from news.models import ArticlePage, ChannelPage


@hooks.register("after_create_page")
def file_article_into_month(request, page):
    """Editors add articles to a channel; the article moves into its month bucket."""
    if not isinstance(page, ArticlePage):
        return
    parent = page.get_parent().specific
    if isinstance(parent, ChannelPage):
        page.move(parent.archive_for(page.published_at), pos="last-child")
