"""RBA and ECB exchange rates parsed from replayed files on a local server."""

import datetime
from decimal import Decimal
from pathlib import Path

import defusedxml
import pytest

from editions import http, rates
from editions.rates import ProviderError, RateQuote

REPLAYS = Path(__file__).parent / "replays"
RBA_PATH = "/statistics/tables/csv/f11.1-data.csv"
ECB_PATH = "/stats/eurofxref/eurofxref-hist-90d.xml"


def replay(name: str) -> bytes:
    return (REPLAYS / name).read_bytes()


@pytest.fixture(autouse=True)
def providers(httpserver, settings, monkeypatch):
    settings.RBA_URL = httpserver.url_for(RBA_PATH)
    settings.ECB_URL = httpserver.url_for(ECB_PATH)
    monkeypatch.setattr(http, "sleep", lambda seconds: None)
    return httpserver


def serve(server, path: str, name: str, content_type: str) -> None:
    server.expect_request(path).respond_with_data(
        replay(name), content_type=content_type
    )


def serve_rba(server, name: str = "rba_f11.csv") -> None:
    serve(server, RBA_PATH, name, "text/csv")


def serve_ecb(server, name: str = "ecb_hist.xml") -> None:
    serve(server, ECB_PATH, name, "text/xml")


# --- RBA ------------------------------------------------------------------------


def test_rba_gives_the_most_recent_days_oldest_first(providers, settings):
    settings.SITE_BASE_URL = "https://news.example.com"
    serve_rba(providers)

    quotes = rates.rba("CNY")

    assert len(quotes) == 31
    assert quotes[0] == RateQuote(
        "AUD", "CNY", Decimal("4.7275"), datetime.date(2026, 10, 14), "rba"
    )
    assert quotes[-2:] == [
        RateQuote("AUD", "CNY", Decimal("4.7673"), datetime.date(2026, 11, 26), "rba"),
        RateQuote("AUD", "CNY", Decimal("4.7718"), datetime.date(2026, 11, 27), "rba"),
    ]
    dates = [quote.date for quote in quotes]
    assert dates == sorted(dates)
    # 3 Nov has no row (a closure); 12 Nov has a row with the CNY cell empty.
    assert datetime.date(2026, 11, 2) in dates
    assert datetime.date(2026, 11, 3) not in dates
    assert datetime.date(2026, 11, 12) not in dates
    (request, _response) = providers.log[0]
    assert request.path == RBA_PATH
    assert request.headers["User-Agent"].endswith(
        "(+https://news.example.com) weather-and-rates"
    )


def test_rba_finds_other_currencies_by_series_id(providers):
    serve_rba(providers)

    quotes = rates.rba("jpy", days=3)

    assert quotes == [
        RateQuote("AUD", "JPY", Decimal("98.33"), datetime.date(2026, 11, 25), "rba"),
        RateQuote("AUD", "JPY", Decimal("98.27"), datetime.date(2026, 11, 26), "rba"),
        RateQuote("AUD", "JPY", Decimal("97.80"), datetime.date(2026, 11, 27), "rba"),
    ]


def test_rba_days_limits_the_count(providers):
    serve_rba(providers)

    quotes = rates.rba("USD", days=1)

    assert quotes == [
        RateQuote("AUD", "USD", Decimal("0.6434"), datetime.date(2026, 11, 27), "rba")
    ]


def test_rba_unknown_currency_is_an_error(providers):
    with pytest.raises(ProviderError, match=r"no series for XAU"):
        rates.rba("XAU")

    assert providers.log == []


def test_rba_currency_missing_from_the_file_is_an_error(providers):
    serve_rba(providers)

    with pytest.raises(ProviderError, match=r"f11\.1-data\.csv: no FXRCD column"):
        rates.rba("CAD")


def test_rba_html_error_page_is_an_error(providers):
    serve(providers, RBA_PATH, "rba_html_error.csv", "text/html")

    with pytest.raises(ProviderError, match=r"got an HTML or XML page"):
        rates.rba()


def test_rba_without_series_id_row_is_an_error(providers):
    serve_rba(providers, "rba_no_series_row.csv")

    with pytest.raises(ProviderError, match=r"f11\.1-data\.csv: no 'Series ID' row"):
        rates.rba()


def test_rba_bad_cell_is_an_error(providers):
    body = replay("rba_f11.csv").replace(
        b"27-Nov-2026,0.6434,61.1,4.7718,", b"27-Nov-2026,0.6434,61.1,n/a,"
    )
    providers.expect_request(RBA_PATH).respond_with_data(body)

    with pytest.raises(ProviderError, match=r"2026-11-27 FXRCR: rate 'n/a'"):
        rates.rba()


def test_rba_bad_date_is_an_error(providers):
    body = replay("rba_f11.csv").replace(b"27-Nov-2026,0.6434", b"2026-11-27,0.6434")
    providers.expect_request(RBA_PATH).respond_with_data(body)

    with pytest.raises(ProviderError, match=r"'2026-11-27' is not a date like"):
        rates.rba()


def test_rba_not_utf8_is_an_error(providers):
    providers.expect_request(RBA_PATH).respond_with_data(b"Series ID,\xff\xfe\n")

    with pytest.raises(ProviderError, match=r"not UTF-8 text"):
        rates.rba()


def test_days_must_be_positive():
    with pytest.raises(ValueError, match=r"days must be at least 1"):
        rates.rba(days=0)


# --- ECB ------------------------------------------------------------------------


def test_ecb_cross_through_the_euro(providers):
    serve_ecb(providers)

    quotes = rates.ecb("AUD", "CNY")

    assert len(quotes) == 31
    # 7.4786 CNY and 1.5973 AUD per euro on 27 Nov; 7.4781 and 1.5970 on 26 Nov.
    assert quotes[-2:] == [
        RateQuote(
            "AUD", "CNY", Decimal("4.682592"), datetime.date(2026, 11, 26), "ecb"
        ),
        RateQuote(
            "AUD", "CNY", Decimal("4.682026"), datetime.date(2026, 11, 27), "ecb"
        ),
    ]
    dates = [quote.date for quote in quotes]
    assert dates == sorted(dates)
    assert dates[0] == datetime.date(2026, 10, 14)
    # No AUD was published on 18 Nov: that day is left out, not guessed.
    assert datetime.date(2026, 11, 18) not in dates
    assert datetime.date(2026, 11, 17) in dates


def test_ecb_euro_as_base_or_quote(providers):
    serve_ecb(providers)
    (eur_usd,) = rates.ecb("EUR", "USD", days=1)
    (aud_eur,) = rates.ecb("AUD", "EUR", days=1)

    assert eur_usd == RateQuote(
        "EUR", "USD", Decimal("1.036500"), datetime.date(2026, 11, 27), "ecb"
    )
    assert aud_eur == RateQuote(
        "AUD", "EUR", Decimal("0.626056"), datetime.date(2026, 11, 27), "ecb"
    )


def test_ecb_any_pair(providers):
    serve_ecb(providers)

    (usd_nzd,) = rates.ecb("usd", "nzd", days=1)

    # 1.8113 NZD / 1.0365 USD per euro = 1.74751567...
    assert usd_nzd.rate == Decimal("1.747516")
    assert (usd_nzd.base, usd_nzd.quote) == ("USD", "NZD")


def test_ecb_unpublished_currency_is_an_error(providers):
    serve_ecb(providers)

    with pytest.raises(ProviderError, match=r"no day has both TWD and CNY"):
        rates.ecb("TWD")


def test_ecb_truncated_xml_is_an_error(providers):
    serve_ecb(providers, "ecb_malformed.xml")

    with pytest.raises(
        ProviderError, match=r"eurofxref-hist-90d\.xml: .*not valid XML"
    ):
        rates.ecb("AUD")


def test_ecb_entity_bomb_is_refused_unexpanded(providers):
    serve_ecb(providers, "ecb_entity_bomb.xml")

    with pytest.raises(ProviderError, match=r"refused unsafe XML") as caught:
        rates.ecb("AUD")

    # Refused at the DOCTYPE, before a single entity could be expanded.
    assert isinstance(caught.value.__cause__, defusedxml.DTDForbidden)
    assert len(str(caught.value)) < 500


def test_ecb_other_xml_is_an_error(providers):
    providers.expect_request(ECB_PATH).respond_with_data(
        "<html><body>Service unavailable</body></html>", content_type="text/html"
    )

    with pytest.raises(ProviderError, match=r"root element is html"):
        rates.ecb("AUD")


def test_ecb_bad_rate_is_an_error(providers):
    body = replay("ecb_hist.xml").replace(b'rate="7.4786"', b'rate="7,4786"')
    providers.expect_request(ECB_PATH).respond_with_data(body)

    with pytest.raises(ProviderError, match=r"2026-11-27 CNY: rate '7,4786'"):
        rates.ecb("AUD")


# --- rates_for --------------------------------------------------------------------


def test_rates_for_aud_reads_the_rba(providers):
    serve_rba(providers)

    quotes = rates.rates_for("AUD", days=2)

    assert [quote.provider for quote in quotes] == ["rba", "rba"]
    assert [request.path for request, _response in providers.log] == [RBA_PATH]


def test_rates_for_aud_falls_back_to_the_ecb(providers):
    providers.expect_request(RBA_PATH).respond_with_data("", status=500)
    serve_ecb(providers)

    quotes = rates.rates_for("AUD", "CNY", days=1)

    assert quotes == [
        RateQuote("AUD", "CNY", Decimal("4.682026"), datetime.date(2026, 11, 27), "ecb")
    ]
    paths = [request.path for request, _response in providers.log]
    assert paths == [RBA_PATH] * 3 + [ECB_PATH]


def test_rates_for_aud_falls_back_for_a_currency_the_rba_lacks(providers):
    serve_ecb(providers)

    (quote,) = rates.rates_for("AUD", "THB", days=1)

    assert (quote.base, quote.quote, quote.provider) == ("AUD", "THB", "ecb")


def test_rates_for_reports_both_failures(providers):
    serve_rba(providers, "rba_html_error.csv")
    serve_ecb(providers, "ecb_malformed.xml")

    with pytest.raises(
        ProviderError, match=r"RBA failed \(.*HTML.*\); ECB fallback failed \(.*XML"
    ):
        rates.rates_for("AUD")


def test_rates_for_other_currencies_reads_the_ecb(providers):
    serve_ecb(providers)

    quotes = rates.rates_for("NZD", days=4)

    assert len(quotes) == 4
    assert {quote.provider for quote in quotes} == {"ecb"}
    assert [request.path for request, _response in providers.log] == [ECB_PATH]
