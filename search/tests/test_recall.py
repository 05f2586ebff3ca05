"""Recall: every (query, expected article) pair finds its article, 100 %.

Pairs over the demo portal plus generated articles whose sentences are strung from
jieba's dictionary words with names, places and two-character words planted inside,
so segmentation has to cope with whatever the neighbouring words happen to be.
"""

import importlib.util
import json
import random
from pathlib import Path

import opencc
import pytest

from core.demo import load_demo
from news.models import ArticlePage, ChannelPage
from news.tests.factories import make_article, paragraphs
from search.segment import is_cjk

DEMO_PAIRS = [
    ("热浪", "sydney-west-first-spring-heatwave"),
    ("帕拉马塔", "sydney-west-first-spring-heatwave"),
    ("纳凉", "sydney-west-first-spring-heatwave"),
    ("悉尼 热浪", "sydney-west-first-spring-heatwave"),
    ("降息", "rba-cuts-cash-rate-25-basis-points"),
    ("基点", "rba-cuts-cash-rate-25-basis-points"),
    ("志愿者", "melbourne-lunar-new-year-fair-volunteers"),
    ("印花税", "first-home-buyer-stamp-duty-preapproval"),
    ("学生签证", "student-visa-new-requirements-december"),
    ("學生簽證", "student-visa-new-requirements-december"),
    ("逆转", "chinese-community-basketball-final-perth"),
    ("云逛展", "china-museums-online-digital-exhibitions"),
    ("华裔", "brisbane-chinese-weekend-school-enrolments"),
    ("華裔", "brisbane-chinese-weekend-school-enrolments"),
    ("汇率", "aud-cny-rises-student-families-exchange"),
    ("匯率", "aud-cny-rises-student-families-exchange"),
    ("云吞面", "chinatown-restaurant-three-generations"),
    ("唐人街", "chinatown-restaurant-three-generations"),
    ("海啸", "indian-ocean-tsunami-warning-drill"),
    ("华语电影", "sydney-chinese-film-festival-lineup"),
    ("冰雹", "brisbane-severe-thunderstorm-outages"),
    ("铁矿石", "china-q3-foreign-trade-data"),
    ("郑浩然", "adelaide-teen-bowler-state-youth-squad"),
    ("黄金周", "china-golden-week-spending-data"),
    ("郁金香", "hobart-spring-tulip-festival-opens"),
    ("鬱金香", "hobart-spring-tulip-festival-opens"),
    ("AFL", "afl-grand-final-chinese-fans-watch-parties"),
    ("afl总决赛", "afl-grand-final-chinese-fans-watch-parties"),
    ("达令港", "darling-harbour-mid-autumn-lantern-festival"),
    ("達令港", "darling-harbour-mid-autumn-lantern-festival"),
    ("清盘率", "melbourne-spring-auction-clearance-rate"),
    ("莲蓉", "mooncake-blind-tasting-melbourne"),
    ("博士山", "melbourne-east-tram-route-changes"),
    ("博士山", "melbourne-east-school-zone-changes"),
    ("格伦韦弗利", "melbourne-east-school-zone-changes"),
    ("北桥", "perth-hotpot-restaurant-boom"),
    ("粤剧", "cantonese-opera-troupe-melbourne-tour"),
    ("墨尔本 粤剧", "cantonese-opera-troupe-melbourne-tour"),
    ("龙舟", "darwin-waterfront-dragon-boat-regatta"),
    ("好市围", "hurstville-weekend-night-market-trial"),
    ("技术移民", "skilled-visa-processing-times-shorter"),
    ("通胀", "rba-holds-cash-rate-august"),
    ("渡轮", "hobart-derwent-river-ferry-launch"),
    ("集装箱", "global-container-freight-rates-fall"),
    ("精英中学", "nsw-selective-school-offers-released"),
    ("高铁", "southwest-china-new-high-speed-rail"),
    ("古筝", "brisbane-riverside-music-festival-wraps"),
    ("入籍", "canberra-citizenship-ceremony-october"),
    ("山火", "canberra-early-bushfire-season-prep"),
]

# (query, text planted in the body, the body written in Traditional script?)
PLANTED = [
    # invented person names
    ("欧阳明辉", "欧阳明辉", False),
    ("陈嘉禾", "陈嘉禾", False),
    ("林思远", "林思远", False),
    ("何晓彤", "何晓彤", False),
    ("司马静怡", "司马静怡", True),
    # suburbs as Chinese communities write them
    ("车士活", "车士活", False),
    ("宝活", "宝活", False),
    ("史卓菲", "史卓菲", False),
    ("伊士活", "伊士活", False),
    ("宾士镇", "宾士镇", False),
    ("桑尼班克", "桑尼班克", False),
    ("卡市", "卡市", False),
    ("罗兹", "罗兹", False),
    # two-character words inside sentences
    ("华人", "华人", False),
    ("汇率", "汇率", False),
    ("悉尼", "悉尼", False),
    ("房价", "房价", False),
    ("签证", "签证", False),
    ("留学", "留学", False),
    ("股市", "股市", False),
    ("疫苗", "疫苗", False),
    # Traditional ↔ Simplified
    ("臺灣", "台湾", False),
    ("台湾", "臺灣", False),
    ("汇率", "汇率", True),
    ("華人社區", "华人社区", False),
    ("移民政策", "移民政策", True),
    # Latin and digits mixed with Chinese
    ("iPhone16", "iPhone16", False),
    ("5G网络", "5G网络", False),
    ("COVID-19", "COVID-19疫情", False),
    ("ABC中文", "ABC中文台", False),
]

KEYWORD_PLANTS = [("澳洲房市", "澳洲房市"), ("華人商會", "华人商会")]


def dictionary_words() -> list[str]:
    spec = importlib.util.find_spec("jieba")
    path = Path(spec.origin).parent / "dict.txt"
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        word, freq, *_ = line.split(" ")
        if 2 <= len(word) <= 3 and int(freq) >= 3000 and is_cjk(word):
            words.append(word)
    return words


def sentence(rng: random.Random, words: list[str], planted: str = "") -> str:
    parts = rng.sample(words, 8)
    if planted:
        parts.insert(rng.randrange(1, 8), planted)
    return "".join(parts) + "。"


def generate(channel: ChannelPage) -> list[tuple[str, str]]:
    """Generated articles with a planted word in the body only; their pairs."""
    rng = random.Random(20250601)
    words = dictionary_words()
    s2t = opencc.OpenCC("s2t.json")
    pairs = []
    for n, (query, plant, traditional) in enumerate(PLANTED):
        text = "".join(sentence(rng, words, plant if i == 1 else "") for i in range(3))
        slug = f"generated-{n}"
        make_article(
            channel,
            slug=slug,
            title=f"生成稿件第{n}号",
            body=paragraphs(s2t.convert(text) if traditional else text),
        )
        pairs.append((query, slug))
    for n, (query, keyword) in enumerate(KEYWORD_PLANTS):
        slug = f"generated-keyword-{n}"
        make_article(
            channel,
            slug=slug,
            title=f"生成关键词稿件第{n}号",
            body=paragraphs(sentence(rng, words)),
            keywords=[keyword],
        )
        pairs.append((query, slug))
    return pairs


@pytest.mark.django_db
def test_recall_is_complete():
    load_demo()
    channel = ChannelPage.objects.get(slug="australia")
    pairs = DEMO_PAIRS + generate(channel)
    assert len(pairs) >= 50
    demo_slugs = {
        article["slug"]
        for article in json.loads(
            (Path(__file__).parents[2] / "core/demo_data/articles.json").read_text()
        )["articles"]
    }
    assert {slug for _, slug in DEMO_PAIRS} <= demo_slugs

    missed = []
    for query, slug in pairs:
        found = {a.slug for a in ArticlePage.objects.live().search(query)}
        if slug not in found:
            missed.append((query, slug))
    recall = 1 - len(missed) / len(pairs)
    assert missed == [], f"recall {recall:.1%}"


@pytest.mark.django_db
def test_search_is_not_everything():
    """Recall is easy if every query finds every article; these must not."""
    load_demo()
    total = ArticlePage.objects.live().count()
    for query in ("郑浩然", "云吞面", "格伦韦弗利", "鬱金香"):
        assert 1 <= len(ArticlePage.objects.live().search(query)) < total / 10
