"""Builds the demo portal from core/demo_data; running it again leaves the same site."""

import datetime
import hashlib
import io
import json
import math
import random
from decimal import Decimal
from pathlib import Path

from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.images import get_image_model
from wagtail.models import Collection, Page, Site

from accounts.models import User
from core.models import FriendlyLink, HomePage, SiteSettings, StandardPage
from discovery.models import TopicIndexPage, TopicItem, TopicPage
from discovery.related import compute_related, store_terms
from editions.models import City, ExchangeRate, WeatherProvider, WeatherReading
from news.models import ArticlePage, ChannelPage, Source

DATA_DIR = Path(__file__).resolve().parent / "demo_data"
DEMO_PROVIDER = "demo"
IMAGE_SIZE = (1200, 800)

CITIES = [
    # slug, Chinese, English, time zone, latitude, longitude,
    # and the Bureau of Meteorology's précis product and location (weather_provider
    # stays Open-Meteo: an editor switches a city to BoM in the admin)
    (
        "sydney",
        "悉尼",
        "Sydney",
        "Australia/Sydney",
        "-33.86785",
        "151.20732",
        "IDN11060",
        "NSW_PT131",
    ),
    (
        "melbourne",
        "墨尔本",
        "Melbourne",
        "Australia/Melbourne",
        "-37.81400",
        "144.96332",
        "IDV10753",
        "VIC_PT042",
    ),
    (
        "brisbane",
        "布里斯班",
        "Brisbane",
        "Australia/Brisbane",
        "-27.46794",
        "153.02809",
        "IDQ11295",
        "QLD_PT001",
    ),
    (
        "perth",
        "珀斯",
        "Perth",
        "Australia/Perth",
        "-31.95224",
        "115.86140",
        "IDW14199",
        "WA_PT053",
    ),
    (
        "adelaide",
        "阿德莱德",
        "Adelaide",
        "Australia/Adelaide",
        "-34.92866",
        "138.59863",
        "IDS10044",
        "SA_PT001",
    ),
    (
        "canberra",
        "堪培拉",
        "Canberra",
        "Australia/Sydney",
        "-35.28346",
        "149.12807",
        "IDN11060",
        "NSW_PT027",
    ),
    (
        "hobart",
        "霍巴特",
        "Hobart",
        "Australia/Hobart",
        "-42.87936",
        "147.32941",
        "IDT16710",
        "TAS_PT021",
    ),
    (
        "darwin",
        "达尔文",
        "Darwin",
        "Australia/Darwin",
        "-12.46113",
        "130.84185",
        "IDD10207",
        "NT_PT001",
    ),
]
# The demo is an Australian portal; a Vancouver or Auckland one is set up in the admin.
CITY_CURRENCY = ("AUD", "澳元")
# Around what one unit bought in CNY lately, for plausible sample rates.
DEMO_RATES = {"AUD": "4.70", "CAD": "5.20", "NZD": "4.25", "USD": "7.20"}
DEMO_CONDITIONS = ["晴", "多云", "阵雨", "晴间多云"]
# Typical early-summer daily minimum and maximum, for plausible sample readings.
CITY_CLIMATE = {
    "sydney": (17, 25),
    "melbourne": (12, 23),
    "brisbane": (19, 29),
    "perth": (15, 28),
    "adelaide": (14, 27),
    "canberra": (10, 25),
    "hobart": (9, 19),
    "darwin": (25, 33),
}
CHANNELS = [
    ("australia", "澳洲"),
    ("world", "国际"),
    ("china", "中国"),
    ("finance", "财经"),
    ("property", "房产"),
    ("education", "教育"),
    ("immigration", "移民"),
    ("life", "生活"),
    ("entertainment", "娱乐"),
    ("sports", "体育"),
]
SETTINGS = {
    "site_name": "华讯",
    "slogan": "看得懂的本地新闻,用得上的生活信息",
    "nickname_prefix": "澳洲华人",
    "app_store_url": "https://apps.example.com/huaxun-ios",
    "google_play_url": "https://apps.example.com/huaxun-android",
    "copyright_holder": "华讯传媒(演示)",
    "phone": "+61 2 5550 0100",
    "contact_email": "contact@example.com",
    "business_email": "business@example.com",
    "news_tip_email": "tips@example.com",
    "legal_counsel": "南岸律师事务所(演示):移民、房产与商业法律咨询",
    "legal_counsel_url": "https://law.example.com/",
}
FRIENDLY_LINKS = [
    ("澳洲租房网(演示)", "https://rent.example.com/"),
    ("同城外卖(演示)", "https://delivery.example.com/"),
    ("跨境支付(演示)", "https://pay.example.com/"),
    ("华人购物(演示)", "https://shop.example.com/"),
]
APP_PAGE = {
    "slug": "app",
    "title": "华讯APP下载",
    "body": [
        "华讯手机应用与网站同步更新,收录本地新闻、城市天气和汇率信息。",
        "在应用商店搜索“华讯”即可下载(演示站点,链接不指向真实应用)。",
    ],
}
DEMO_ADMIN = {
    "username": "admin",
    "email": "admin@example.com",
    "password": "huaxun-demo",
}


def load_json(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def seeded(*parts: object) -> random.Random:
    """A random generator that gives the same numbers on every run."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()
    return random.Random(int(digest[:16], 16))


def draw_image(spec: dict) -> bytes:
    """A simple generated picture: a two-colour gradient and the spec's motif."""
    width, height = IMAGE_SIZE
    top, bottom = (
        PILImage.new("RGB", (1, 1), color).getpixel((0, 0))
        for color in spec["palette"][:2]
    )
    img = PILImage.new("RGB", IMAGE_SIZE)
    draw = ImageDraw.Draw(img)
    for y in range(height):
        mix = y / (height - 1)
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(
                round(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True)
            ),
        )
    rng = seeded(spec["key"])
    light = (255, 255, 255)
    motif = spec.get("motif", "circles")
    if motif == "waves":
        for row in range(6):
            base = height * (0.45 + row * 0.09)
            points = [
                (x, base + 18 * math.sin(x / 60 + row))
                for x in range(0, width + 20, 20)
            ]
            draw.line(points, fill=light, width=4)
    elif motif == "skyline":
        x = 0
        while x < width:
            w, h = rng.randint(60, 140), rng.randint(150, 520)
            draw.rectangle(
                [x, height - h, x + w, height], fill=bottom if x % 2 else top
            )
            x += w + rng.randint(4, 20)
    elif motif == "sun":
        draw.ellipse(
            [width * 0.6, height * 0.15, width * 0.85, height * 0.52],
            fill=(255, 214, 102),
        )
    elif motif == "mountains":
        for i in range(4):
            peak = rng.randint(0, width)
            draw.polygon(
                [
                    (peak - 450, height),
                    (peak, height * (0.3 + i * 0.1)),
                    (peak + 450, height),
                ],
                fill=bottom,
            )
    elif motif == "stripes":
        for i in range(0, width, 90):
            draw.rectangle([i, 0, i + 40, height], fill=light)
    elif motif == "grid":
        for i in range(0, width, 100):
            draw.line([(i, 0), (i, height)], fill=light, width=2)
        for j in range(0, height, 100):
            draw.line([(0, j), (width, j)], fill=light, width=2)
    else:  # circles, leaves and anything new
        for _ in range(14):
            cx, cy, r = (
                rng.randint(0, width),
                rng.randint(0, height),
                rng.randint(30, 140),
            )
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=light, width=5)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=82)
    return out.getvalue()


def upsert_images(specs: list[dict]) -> dict[str, int]:
    Image = get_image_model()
    root = Collection.get_first_root_node()
    collection = Collection.objects.filter(name="演示图片").first() or root.add_child(
        name="演示图片"
    )
    existing = {
        image.title: image.pk for image in Image.objects.filter(collection=collection)
    }
    ids = {}
    for spec in specs:
        title = f"{spec['title']}({spec['key']})"
        if title not in existing:
            image = Image(title=title, collection=collection)
            image.file = ImageFile(
                io.BytesIO(draw_image(spec)), name=f"demo-{spec['key']}.jpg"
            )
            image.save()
            existing[title] = image.pk
        ids[spec["key"]] = existing[title]
    return ids


def upsert_cities() -> dict[str, City]:
    cities = {}
    for order, (slug, name, name_en, zone, lat, lon, product, aac) in enumerate(CITIES):
        city, _ = City.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "name_en": name_en,
                "time_zone": zone,
                "latitude": Decimal(lat),
                "longitude": Decimal(lon),
                "currency": CITY_CURRENCY[0],
                "currency_name": CITY_CURRENCY[1],
                "weather_provider": WeatherProvider.OPEN_METEO,
                "bom_product_id": product,
                "bom_location_aac": aac,
                "sort_order": order,
            },
        )
        cities[slug] = city
    return cities


def upsert_readings(cities: dict[str, City]) -> None:
    """A week of sample forecasts per city, the current temperature, and a month of
    rates to CNY for every currency the cities use: the demo works offline."""
    now = timezone.now()
    for slug, city in cities.items():
        low, high = CITY_CLIMATE[slug]
        today = city.local_today
        for offset in range(7):
            day = today + datetime.timedelta(days=offset)
            rng = seeded(slug, day)
            temp_min = Decimal(str(round(low + rng.uniform(-2, 2), 1)))
            temp_max = max(
                Decimal(str(round(high + rng.uniform(-2, 3), 1))), temp_min + 3
            )
            condition = rng.choice(DEMO_CONDITIONS)
            current = {}
            if offset == 0:
                share = Decimal(str(round(rng.uniform(0.2, 0.9), 2)))
                current = {
                    "current_temp": (temp_min + (temp_max - temp_min) * share).quantize(
                        Decimal("0.1")
                    ),
                    "current_condition": condition,
                }
            WeatherReading.objects.update_or_create(
                city=city,
                provider=DEMO_PROVIDER,
                forecast_date=day,
                defaults={
                    "temp_min": temp_min,
                    "temp_max": temp_max,
                    "condition": condition,
                    "issued_at": now,
                    "fetched_at": now,
                    **current,
                },
            )
    today = timezone.localdate()
    for currency in sorted({city.currency for city in cities.values()}):
        middle = Decimal(DEMO_RATES.get(currency, "5.00"))
        # Like a central bank's: business days only, the newest from the last
        # business day before today, so a real provider's newer rate wins.
        for offset in range(1, 31):
            day = today - datetime.timedelta(days=offset)
            if day.weekday() >= 5:
                continue
            swing = Decimal(str(round(seeded(currency, day).uniform(-0.06, 0.06), 4)))
            ExchangeRate.objects.update_or_create(
                base=currency,
                quote="CNY",
                provider=DEMO_PROVIDER,
                rate_date=day,
                defaults={"rate": middle + swing, "confirmed": True, "fetched_at": now},
            )


def site_root() -> HomePage:
    """The demo home page, made the root of the default site."""
    root = Page.get_first_root_node()
    home = HomePage.objects.filter(depth=2).first()
    if home is None:
        # Wagtail's first migration leaves a "Welcome" page where our home page goes.
        for page in Page.objects.filter(depth=2, slug="home").exclude(
            content_type__model="homepage"
        ):
            Site.objects.filter(root_page=page).delete()
            page.delete()
        home = root.add_child(instance=HomePage(title="华讯首页", slug="home"))
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first() or Site(
        is_default_site=True
    )
    site.hostname, site.port, site.root_page = "localhost", 80, home
    site.site_name = SETTINGS["site_name"]
    site.save()
    return home


def publish(page: Page) -> None:
    page.save_revision().publish()


def upsert_child(parent: Page, model, slug: str, **fields) -> Page:
    page = model.objects.child_of(parent).filter(slug=slug).first()
    if page is None:
        page = parent.add_child(instance=model(slug=slug, **fields))
    else:
        for name, value in fields.items():
            setattr(page, name, value)
    publish(page)
    return page


def paragraphs_to_body(paragraphs: list[str]) -> str:
    return json.dumps(
        [
            {"type": "paragraph", "value": f"<p>{escape(text)}</p>"}
            for text in paragraphs
        ]
    )


def article_body(blocks: list[dict], image_ids: dict[str, int]) -> str:
    def figure(item: dict) -> dict:
        return {
            "image": image_ids[item["image"]],
            "caption": item.get("caption", ""),
            "credit": item.get("credit", ""),
        }

    body = []
    for block in blocks:
        kind = block["type"]
        if kind == "paragraph":
            body.append(
                {"type": "paragraph", "value": f"<p>{escape(block['text'])}</p>"}
            )
        elif kind == "image":
            body.append({"type": "image", "value": figure(block)})
        elif kind == "photo_set":
            images = [figure(item) for item in block["images"]]
            body.append({"type": "photo_set", "value": {"images": images}})
        elif kind == "quote":
            value = {"text": block["text"], "attribution": block.get("attribution", "")}
            body.append({"type": "quote", "value": value})
    return json.dumps(body, ensure_ascii=False)


def upsert_article(channel: ChannelPage, data: dict, context: dict) -> ArticlePage:
    published = datetime.datetime.fromisoformat(data["published"])
    source = context["sources"].get(data.get("source") or "")
    fields = {
        "title": data["title"],
        "summary": data.get("summary", ""),
        "byline": data.get("byline", ""),
        "published_at": published,
        "source": source,
        "original_url": data.get("original_url", ""),
        "is_republished": source is not None,
        "is_headline": bool(data.get("headline")),
        "body": article_body(data["body"], context["images"]),
        "first_published_at": published,
    }
    article = ArticlePage.objects.filter(slug=data["slug"], channel=channel).first()
    if article is None:
        article = channel.add_article(ArticlePage(slug=data["slug"], **fields))
    else:
        for name, value in fields.items():
            setattr(article, name, value)
    article.keywords.set(data.get("keywords", []))
    article.cities.set([context["cities"][slug] for slug in data.get("cities", [])])
    publish(article)
    return article


def upsert_topics(home: HomePage, images: dict[str, int]) -> int:
    """The 专题 index and its topics, each an editor's pick of demo articles."""
    data = load_json("topics.json")
    index = upsert_child(home, TopicIndexPage, **data["index"])
    articles = {
        article.slug: article
        for article in ArticlePage.objects.filter(
            slug__in=[slug for topic in data["topics"] for slug in topic["articles"]]
        )
    }
    for topic in data["topics"]:
        items = [TopicItem(article=articles[slug]) for slug in topic["articles"]]
        upsert_child(
            index,
            TopicPage,
            topic["slug"],
            title=topic["title"],
            intro=f"<p>{escape(topic['intro'])}</p>",
            cover_image_id=images.get(topic.get("cover", "")),
            items=items,
        )
    return len(data["topics"])


@transaction.atomic
def load_demo() -> dict[str, int]:
    """Creates or updates every part of the demo portal; returns what it holds."""
    articles_data = load_json("articles.json")
    pages_data = load_json("pages.json")
    cities = upsert_cities()
    upsert_readings(cities)
    home = site_root()
    channels = {
        slug: upsert_child(home, ChannelPage, slug, title=title, show_in_menus=True)
        for slug, title in CHANNELS
    }
    standard = {}
    for page in [*pages_data["pages"], APP_PAGE]:
        standard[page["slug"]] = upsert_child(
            home,
            StandardPage,
            page["slug"],
            title=page["title"],
            body=paragraphs_to_body(page["body"]),
        )
    sources = {}
    for item in articles_data["sources"]:
        sources[item["key"]], _ = Source.objects.update_or_create(
            slug=item["key"],
            defaults={
                "name": item["name"],
                "home_url": item["home_url"],
                "licence_note": item.get("licence_note", ""),
            },
        )
    context = {
        "sources": sources,
        "cities": cities,
        "images": upsert_images(articles_data["images"]),
    }
    for data in articles_data["articles"]:
        upsert_article(channels[data["channel"]], data, context)
    # Publishing also queues this, but only once the whole demo is committed.
    # Every article's terms first, so that each list can find all the others.
    live_articles = list(ArticlePage.objects.live())
    for article in live_articles:
        store_terms(article)
    for article in live_articles:
        compute_related(article, refresh_terms=False)
    topics = upsert_topics(home, context["images"])

    site = Site.objects.get(is_default_site=True)
    settings = SiteSettings.for_site(site)
    for name, value in SETTINGS.items():
        setattr(settings, name, value)
    settings.default_city = cities["sydney"]
    settings.app_download_page = standard["app"]
    settings.privacy_page = standard["privacy"]
    settings.contact_page = standard["contact"]
    settings.business_page = standard["business"]
    settings.careers_page = standard["careers"]
    settings.save()
    for order, (name, url) in enumerate(FRIENDLY_LINKS):
        FriendlyLink.objects.update_or_create(
            name=name, defaults={"url": url, "sort_order": order}
        )

    if not User.objects.filter(username=DEMO_ADMIN["username"]).exists():
        User.objects.create_superuser(**DEMO_ADMIN)
    # Demo accounts can comment at once: their addresses count as confirmed.
    User.objects.filter(username=DEMO_ADMIN["username"]).update(email_confirmed=True)
    return {
        "cities": len(cities),
        "channels": len(channels),
        "articles": ArticlePage.objects.live().count(),
        "images": len(context["images"]),
        "pages": len(standard),
        "topics": topics,
    }
