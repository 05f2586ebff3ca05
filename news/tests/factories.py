import json

import factory
import wagtail_factories
from django.utils import timezone

from news.models import ArticlePage, ChannelPage, Source


class SourceFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"测试日报{n}")
    slug = factory.Sequence(lambda n: f"source-{n}")
    home_url = "https://source.example/"

    class Meta:
        model = Source


class ChannelPageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"栏目{n}")
    show_in_menus = True

    class Meta:
        model = ChannelPage


def paragraphs(*texts: str) -> str:
    return json.dumps(
        [{"type": "paragraph", "value": f"<p>{text}</p>"} for text in texts]
    )


def body(*blocks: dict) -> str:
    return json.dumps(list(blocks))


def figure(image, caption="", credit="") -> dict:
    return {"image": image.pk, "caption": caption, "credit": credit}


def image_block(image, caption="图片说明", credit="TEST PHOTO/HUAXUN") -> dict:
    return {"type": "image", "value": figure(image, caption, credit)}


def photo_set_block(images, credit="SET PHOTO/HUAXUN") -> dict:
    items = [
        figure(image, f"第{n}张图的说明", credit)
        for n, image in enumerate(images, start=1)
    ]
    return {"type": "photo_set", "value": {"images": items}}


def make_article(channel: ChannelPage, publish: bool = True, **fields) -> ArticlePage:
    """An article filed into its month under `channel`, published by default."""
    keywords = fields.pop("keywords", [])
    cities = fields.pop("cities", [])
    fields.setdefault("title", "测试新闻标题")
    fields.setdefault("slug", f"article-{ArticlePage.objects.count() + 1}")
    fields.setdefault("published_at", timezone.now())
    fields.setdefault("body", paragraphs("第一段正文。", "第二段正文。"))
    fields.setdefault("live", publish)
    article = channel.add_article(ArticlePage(**fields))
    if keywords:
        article.keywords.set(keywords)
    if cities:
        article.cities.set(cities)
    if publish:
        article.save_revision().publish()
    else:
        article.save()
    return ArticlePage.objects.get(pk=article.pk)
