import wagtail_factories

from core.models import HomePage, StandardPage


class HomePageFactory(wagtail_factories.PageFactory):
    title = "首页"

    class Meta:
        model = HomePage


class StandardPageFactory(wagtail_factories.PageFactory):
    title = "关于我们"

    class Meta:
        model = StandardPage
