import jieba
import pytest
from django.core.cache import cache

from editions.tests.factories import CityFactory
from ingest.keywords import build_idf, place_names, portal_idf, suggest_keywords
from news.tests.factories import make_article, paragraphs

# Invented stories, written for these tests.
TRAINS_TITLE = "悉尼火车司机周五罢工 多条线路停运"
TRAINS = [
    "悉尼火车司机工会宣布，将于本周五举行二十四小时罢工，届时悉尼火车网络的多条线路"
    "将全面停运，预计将有超过五十万名通勤者受到影响。工会表示，此次罢工是因为与新州"
    "政府的薪资谈判陷入僵局，司机们要求在未来四年内每年加薪百分之六，并改善夜班和"
    "周末值班的补贴。",
    "新州交通部长在周三的记者会上表示，政府已经提出每年加薪百分之三的方案，工会的"
    "要求超出了预算承受能力。她呼吁工会回到谈判桌前，避免给市民带来不便。交通部门"
    "表示，罢工期间将安排临时巴士接驳主要火车站，但运力有限，建议市民尽量在家办公"
    "或错峰出行。",
    "记者在中央车站采访了多位来自华人社区的乘客。一位在市中心会计师事务所工作的女士"
    "说，她已经和公司商量好周五在家办公；另一位在餐馆打工的留学生则表示，他没有办法"
    "在家工作，只能提前两个小时出门换乘巴士。华人社区组织也提醒老人提前安排就医行程。",
    "据了解，这是今年以来悉尼火车系统发生的第三次劳资纠纷。去年类似的罢工曾导致悉尼"
    "机场线和西部线停运一整天，部分学校因此推迟了考试。交通部门提醒乘客，罢工期间的"
    "最新安排将在官方网站和应用程序上及时公布。",
]

PARRAMATTA_TITLE = "帕拉马塔轻轨二期获批 预计五年后通车"
PARRAMATTA = (
    "新州政府周二宣布，帕拉马塔轻轨二期工程已获得最终批准，将连接帕拉马塔市中心与"
    "奥林匹克公园，全长约十公里，沿途设十四个站点。州长在帕拉马塔河畔举行的发布会上说，"
    "这条轻轨将为西区居民提供更快捷的出行选择，也会带动沿线的住房和商业开发。"
    "根据规划，工程将于明年初动工，预计五年后正式通车，总投资超过三十亿澳元。"
    "帕拉马塔市议会对这一决定表示欢迎，但也提醒施工期间需要妥善安排交通改道，"
    "减少对沿线商户的影响。当地一位经营中餐馆多年的华人老板说，上一期轻轨施工时，"
    "他的生意下降了将近一半，希望政府这次能够提供足够的商户补助。"
    "交通部门表示，将在下月举行社区咨询会，听取居民对站点位置和施工时间的意见。"
)

# Three more stories for the portal; each mentions 华人社区, as the trains story does.
FESTIVAL = (
    "一年一度的春节庙会本周末在悉尼达令港举行，吸引了数万名市民和游客到场。"
    "今年的庙会由多个华人社区团体联合主办，现场设有舞狮表演、书法展示、"
    "传统小吃摊位和儿童手工区。主办方介绍，今年特别增加了非遗手工艺展览，"
    "邀请了多位来自广东和福建的民间艺人现场演示剪纸、面塑和竹编技艺。"
    "悉尼市长在开幕式上致辞，称华人社区为这座城市的多元文化作出了重要贡献。"
    "不少本地家庭专程带孩子前来体验，一位第一次参加庙会的母亲说，"
    "孩子对舞狮表演特别着迷，明年还想再来。主办方提醒，周日下午可能下雨，"
    "市民出门前请关注天气预报，并尽量乘坐公共交通前往。"
)
HOUSING = (
    "最新发布的房地产季度报告显示，悉尼独立屋价格中位数在过去三个月内上涨了百分之二点五，"
    "连续第四个季度上升。分析人士认为，利率预期趋稳和供应不足是推动房价上涨的主要原因。"
    "报告指出，西北区和南区的涨幅最为明显，部分华人社区聚集的区域，"
    "例如好士围和赫斯特维尔，独立屋的拍卖清盘率保持在七成以上。"
    "一位从事房产中介工作十多年的经纪人表示，近期来看房的买家中，"
    "首次置业者的比例明显增加，不少人选择与父母合资购房。"
    "经济学家提醒，虽然房价持续上涨，但家庭负债水平较高，"
    "如果明年利率再次上调，部分贷款家庭的还款压力将明显加大。"
)
SCHOOLS = (
    "新州教育部公布了明年精英中学的录取结果，今年共有一万八千多名六年级学生参加了"
    "选拔考试，最终约四千二百人获得录取通知。教育部表示，新的考试形式更注重阅读理解"
    "和数学推理，减少了对死记硬背的依赖。来自华人社区的家长对录取结果普遍关注，"
    "不少补习学校在放榜当天就收到大量咨询电话。一位家长说，她的孩子从四年级开始"
    "每周参加两次补习，终于如愿考入心仪的学校。也有教育专家指出，"
    "过度补习可能给孩子带来不必要的压力，建议家长关注孩子的兴趣和身心健康，"
    "而不是只看考试分数。教育部还宣布，明年将在西区新增两所精英中学，"
    "以满足不断增长的入学需求。"
)


def test_story_about_sydney_trains(db, city):
    suggestions = suggest_keywords(TRAINS_TITLE, "\n".join(TRAINS))
    assert len(suggestions) == 6
    assert set(suggestions[:3]) >= {"悉尼", "火车"}
    assert {"工会", "司机"} <= set(suggestions)
    # Stop words the text is full of, and that jieba tags as nouns.
    everything = suggest_keywords(TRAINS_TITLE, "\n".join(TRAINS), limit=100)
    assert not {"记者", "小时", "记者会", "办法"} & set(everything)


def test_suggestions_are_nouns_names_and_places(db, city):
    suggestions = suggest_keywords(TRAINS_TITLE, "\n".join(TRAINS), limit=100)
    assert len(suggestions) == len({word.casefold() for word in suggestions})
    assert all(len(word) >= 2 and not word.isdigit() for word in suggestions)
    # Verbs and time words are left out however often they occur.
    assert not {"罢工", "表示", "周五", "今年"} & set(suggestions)


def test_title_words_weigh_more(db):
    text = "悉尼和墨尔本都有大量华人居民。" * 2
    assert suggest_keywords(
        "墨尔本新闻", text, limit=2, idf={"悉尼": 1.0, "墨尔本": 1.0}
    ) == [
        "墨尔本",
        "悉尼",
    ]


def test_a_city_name_is_one_keyword(db):
    # jieba alone cuts it into 帕拉马 and 塔.
    assert "帕拉马塔" not in jieba.Tokenizer().lcut(PARRAMATTA_TITLE)
    CityFactory(slug="parramatta", name="帕拉马塔", name_en="Parramatta")

    suggestions = suggest_keywords(PARRAMATTA_TITLE, PARRAMATTA, idf={})
    assert suggestions[0] == "帕拉马塔"
    assert "帕拉马" not in suggestions
    assert "奥林匹克公园" in suggestions


def test_portal_words_do_not_reach_the_global_tokenizer(db):
    CityFactory(slug="parramatta", name="帕拉马塔", name_en="Parramatta")
    suggest_keywords(PARRAMATTA_TITLE, PARRAMATTA, idf={})
    assert "帕拉马塔" not in jieba.lcut(PARRAMATTA_TITLE)


def test_a_keyword_used_on_articles_is_one_keyword(channel):
    make_article(
        channel, title="西悉尼机场建设进展", keywords=["西悉尼机场", "轻轨 二期"]
    )
    text = PARRAMATTA + "西悉尼机场预计明年通航，轻轨将来也可能延伸到西悉尼机场。"

    assert place_names() == ["悉尼", "西悉尼机场"]
    assert "西悉尼机场" in suggest_keywords(PARRAMATTA_TITLE, text, limit=10, idf={})


def test_keywords_differing_in_case_are_suggested_once(channel):
    make_article(channel, slug="a", keywords=["AUKUS协议"])
    make_article(channel, slug="b", keywords=["aukus协议"])
    text = "AUKUS协议" + PARRAMATTA + "aukus协议和AUKUS协议。"

    suggestions = suggest_keywords("澳洲防务", text, limit=100, idf={})
    assert [word for word in suggestions if word.casefold() == "aukus协议"] == [
        "AUKUS协议"
    ]


def test_build_idf_ranks_common_words_low():
    idf = build_idf([FESTIVAL, HOUSING, SCHOOLS])
    assert idf["华人社区"] == pytest.approx(1.0)
    assert idf["华人社区"] < idf["悉尼"] < idf["庙会"]
    assert build_idf([]) == {}


def test_portal_idf_lowers_a_word_in_every_article(channel):
    for slug, text in [
        ("festival", FESTIVAL),
        ("housing", HOUSING),
        ("schools", SCHOOLS),
    ]:
        make_article(channel, slug=slug, title="社区新闻", body=paragraphs(text))
    story_title, story = "悉尼火车罢工", "\n".join(TRAINS)

    with_jieba = suggest_keywords(story_title, story, limit=100, idf={})
    with_portal = suggest_keywords(story_title, story, limit=100)
    assert with_jieba.index("华人社区") < 6
    assert with_portal.index("华人社区") > with_jieba.index("华人社区") + 5


def test_portal_idf_reads_live_articles_and_caches_them(
    channel, django_assert_num_queries
):
    make_article(
        channel,
        slug="live",
        title="庙会新闻",
        summary="达令港庙会",
        body=paragraphs(FESTIVAL, "<b>舞狮</b>表演&amp;书法展示"),
    )
    make_article(channel, slug="draft", publish=False, body=paragraphs(HOUSING))

    idf = portal_idf()
    assert {"庙会", "达令港", "舞狮", "书法"} <= idf.keys()
    assert "房价" not in idf  # only in the draft
    assert not any("<" in word or "&" in word for word in idf)
    with django_assert_num_queries(0):
        assert portal_idf() == idf
    assert cache.get("ingest:keywords:portal-idf") == idf


def test_empty_portal_falls_back_to_jiebas_idf(db, city):
    assert portal_idf() == {}
    assert "悉尼" in suggest_keywords(TRAINS_TITLE, "\n".join(TRAINS))


@pytest.mark.parametrize(
    ("title", "text"), [("", ""), ("  ", "\n\t"), ("", "2024年，。！"), ("的了", "吗")]
)
def test_nothing_to_suggest(db, title, text):
    assert suggest_keywords(title, text) == []


def test_no_limit_no_suggestions(db):
    assert suggest_keywords(TRAINS_TITLE, TRAINS[0], limit=0) == []
