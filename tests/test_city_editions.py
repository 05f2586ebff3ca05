"""Weather and rates from the providers to the header, with every part real: replay
servers standing in for Open-Meteo, the RBA and the ECB, two schedulers and two task
workers as processes, the site under granian, and Chromium choosing cities."""

import datetime
import json
import re
import tempfile
import time
import urllib.request
import zoneinfo
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import DemoSite, serve_demo

pytestmark = pytest.mark.browser

REFRESH_SECONDS = 3  # the freshness window is twice this
WAIT = 60

# Invented figures, different for each city so a mix-up shows.
CITIES = {
    # slug: (Chinese name, time zone, latitude, today's min, today's max)
    "sydney": ("悉尼", "Australia/Sydney", "-33.86785", "18.3", "27.6"),
    "melbourne": ("墨尔本", "Australia/Melbourne", "-37.814", "11.2", "19.8"),
    "brisbane": ("布里斯班", "Australia/Brisbane", "-27.46794", "21.4", "30.1"),
    "perth": ("珀斯", "Australia/Perth", "-31.95224", "15.0", "24.5"),
    "adelaide": ("阿德莱德", "Australia/Adelaide", "-34.92866", "13.7", "22.9"),
}
AUD_CNY = "4.7914"


class Replay:
    """Answers as the providers document their formats, until told to fail."""

    def __init__(self):
        self.outage = False

    def open_meteo(self, request: Request) -> Response:
        if self.outage:
            return Response("upstream unavailable", status=503)
        latitude = Decimal(request.args["latitude"])
        slug = next(slug for slug, c in CITIES.items() if Decimal(c[2]) == latitude)
        _name, zone, _lat, low, high = CITIES[slug]
        today = datetime.datetime.now(zoneinfo.ZoneInfo(zone)).date()
        days = [today + datetime.timedelta(days=n) for n in range(7)]
        body = {
            "latitude": float(latitude),
            "timezone": zone,
            "current": {
                "time": f"{today}T10:00",
                "temperature_2m": 22.5,
                "weather_code": 2,
            },
            "daily": {
                "time": [d.isoformat() for d in days],
                "temperature_2m_min": [float(low) + n for n in range(7)],
                "temperature_2m_max": [float(high) + n for n in range(7)],
                "weather_code": [2, 61, 3, 0, 95, 80, 1],
            },
        }
        return Response(json.dumps(body), content_type="application/json")

    def rba(self, request: Request) -> Response:
        if self.outage:
            return Response("<html>maintenance</html>", status=500)
        rows = [
            "F11.1 EXCHANGE RATES,,",
            "Title,Chinese renminbi,US dollar",
            "Description,AUD/CNY Exchange Rate,AUD/USD Exchange Rate",
            "Frequency,Daily,Daily",
            "Type,Indicative,Indicative",
            "Units,CNY,USD",
            "Source,RBA,RBA",
            "Publication date,27-Nov-2026,27-Nov-2026",
            "Series ID,FXRCR,FXRUSD",
        ]
        day = datetime.date.today() - datetime.timedelta(days=40)
        while day < datetime.date.today():
            if day.weekday() < 5:
                rows.append(f"{day:%d-%b-%Y},4.7{day.day:02d}0,0.66{day.day:02d}")
            day += datetime.timedelta(days=1)
        today = datetime.date.today()
        rows.append(f"{today:%d-%b-%Y},{AUD_CNY},0.6601")
        return Response("\r\n".join(rows) + "\r\n", content_type="text/csv")


@pytest.fixture(scope="module")
def replay() -> Iterator[tuple[Replay, HTTPServer]]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    state = Replay()
    server.expect_request("/v1/forecast").respond_with_handler(state.open_meteo)
    server.expect_request("/rba/f11.1-data.csv").respond_with_handler(state.rba)
    yield state, server
    server.clear()
    server.stop()


@pytest.fixture(scope="module")
def live_site(replay) -> Iterator[DemoSite]:
    _state, server = replay
    workdir = Path(tempfile.mkdtemp(prefix="huaxun-editions-"))
    with serve_demo(
        workdir,
        OPEN_METEO_URL=server.url_for("/v1/forecast"),
        RBA_URL=server.url_for("/rba/f11.1-data.csv"),
        ECB_URL=server.url_for("/ecb/unused.xml"),
        WEATHER_REFRESH_SECONDS=str(REFRESH_SECONDS),
        RATES_REFRESH_SECONDS=str(REFRESH_SECONDS),
        TASKS_BACKEND="database",
        # Freshness here is a matter of seconds; so is the page cache's memory.
        PAGE_CACHE_SECONDS=str(REFRESH_SECONDS),
    ) as site:
        for n in (1, 2):
            site.start(f"scheduler{n}", "run_scheduler", "--tick", "1")
            site.start(
                f"worker{n}", "db_worker", "--interval", "0.2", "--no-startup-delay"
            )
        yield site


def widget(site: DemoSite, slug: str) -> str:
    url = f"{site.base_url}/city/widget/{slug}/"
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


def wait_for(condition, what: str, site: DemoSite) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            logs = "\n".join(
                f"--- {name} ---\n{site.log(name)[-3000:]}"
                for name in ("scheduler1", "worker1", "granian")
            )
            pytest.fail(f"waited {WAIT} s for {what}\n{logs}", pytrace=False)
        time.sleep(0.5)


def shows_replayed_values(site: DemoSite, slug: str) -> bool:
    html = widget(site, slug)
    return f'data-min="{CITIES[slug][3]}"' in html and f'data-rate="{AUD_CNY}' in html


def choose_city(page: Page, name: str) -> None:
    page.locator("#city-widget .city-switcher summary").click()
    page.locator("#city-widget .city-switcher a", has_text=name).click()
    expect(page.locator("#city-widget .city-name")).to_have_text(name)


def test_the_header_follows_the_chosen_city_and_survives_an_outage(
    replay, live_site: DemoSite, browser: Browser, artifacts_dir: Path
) -> None:
    state, server = replay
    started = time.monotonic()
    for slug in ("melbourne", "brisbane"):
        wait_for(
            lambda slug=slug: shows_replayed_values(live_site, slug),
            f"the replayed weather and rate of {slug}",
            live_site,
        )
    healthy_seconds = time.monotonic() - started
    # Two schedulers and two workers, yet one fetch per city and slot.
    forecasts = [r for r, _ in server.log if r.path == "/v1/forecast"]
    per_city = max(
        sum(Decimal(r.args["latitude"]) == Decimal(c[2]) for r in forecasts)
        for c in CITIES.values()
    )
    assert per_city <= healthy_seconds / REFRESH_SECONDS + 2

    context = browser.new_context(base_url=live_site.base_url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto("/")
        for slug in ("melbourne", "brisbane"):
            name, _zone, _lat, low, high = CITIES[slug]
            choose_city(page, name)
            weather = page.locator("#city-widget .weather")
            expect(weather).to_have_text(re.compile(rf"^{low}°C-{high}°C"))
            expect(page.locator("#city-widget .rate")).to_contain_text(
                f"={Decimal(AUD_CNY):.2f}"
            )

        # The city page: its week of weather and a month of the rate.
        page.goto("/city/melbourne/")
        low, high = CITIES["melbourne"][3:]
        days = page.locator(".forecast-table .forecast-day")
        expect(days).to_have_count(7)
        expect(days.first).to_have_attribute("data-min", low)
        expect(days.first).to_have_attribute("data-max", high)
        expect(page.locator(".rate-now .rate")).to_have_attribute("data-rate", AUD_CNY)
        chart = page.locator(".rate-chart")
        expect(chart).to_have_attribute("data-last", datetime.date.today().isoformat())
        points = int(chart.get_attribute("data-points"))
        assert points >= 20
        line = chart.locator("polyline").get_attribute("points")
        assert len(line.split()) == points
        page.screenshot(path=artifacts_dir / "city-page.png", full_page=True)

        # The providers go down; the header keeps the last values, with their time.
        state.outage = True
        outage_started = len(server.log)
        wait_for(
            lambda: "as-of" in widget(live_site, "brisbane"),
            "the header to mark Brisbane's weather as not fresh",
            live_site,
        )
        # A reader arriving now (the widget is cached in a browser for 5 minutes).
        context.close()
        context = browser.new_context(base_url=live_site.base_url)
        page = context.new_page()
        page.goto("/")
        choose_city(page, CITIES["brisbane"][0])
        low, high = CITIES["brisbane"][3:]
        expect(page.locator("#city-widget .weather")).to_contain_text(
            f"{low}°C-{high}°C"
        )
        expect(page.locator("#city-widget .as-of").first).to_contain_text("更新于")
        assert len(server.log) > outage_started  # the schedulers kept trying
        assert "503" in live_site.log("worker1") + live_site.log("worker2")
    finally:
        context.close()
