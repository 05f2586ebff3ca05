"""Daily exchange rates from the Reserve Bank of Australia (AUD) and the European
Central Bank (any pair, through the euro), parsed into plain data."""

import csv
import datetime
import io
import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree
from django.conf import settings

# ProviderError lives with the HTTP client, whose FetchError is one.
from editions.http import ProviderError, fetch

logger = logging.getLogger(__name__)

# Column series IDs of RBA table F11.1 ("A$1 = ... units of the currency").
RBA_SERIES = {
    "USD": "FXRUSD",
    "CNY": "FXRCR",
    "JPY": "FXRJY",
    "EUR": "FXREUR",
    "KRW": "FXRSKW",
    "GBP": "FXRUKPS",
    "SGD": "FXRSD",
    "INR": "FXRIRE",
    "THB": "FXRTB",
    "NZD": "FXRNZD",
    "TWD": "FXRNTD",
    "MYR": "FXRMR",
    "IDR": "FXRIR",
    "VND": "FXRVD",
    "HKD": "FXRHKD",
    "CAD": "FXRCD",
    "CHF": "FXRSF",
    "PHP": "FXRPHP",
}
MONTHS = ("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec").split()
ECB_NAMESPACE = "{http://www.ecb.int/vocabulary/2002-08-01/eurofxref}"
GESMES_ENVELOPE = "{http://www.gesmes.org/xml/2002-08-01}Envelope"
CROSS_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class RateQuote:
    base: str  # one unit of base ...
    quote: str  # ... buys `rate` units of quote
    rate: Decimal
    date: datetime.date  # the publication day the rate is for
    provider: str  # "rba" or "ecb"


def _check_days(days: int) -> None:
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")


def _rate(text: str, where: str) -> Decimal:
    try:
        rate = Decimal(text.strip())
    except InvalidOperation:
        rate = Decimal("NaN")
    if not rate.is_finite():
        raise ProviderError(f"{where}: rate {text!r} is not a number")
    return rate


# --- Reserve Bank of Australia -----------------------------------------------------


def rba(quote: str = "CNY", days: int = 31) -> list[RateQuote]:
    """AUD → `quote` for the last `days` publication days, oldest first."""
    _check_days(days)
    quote = quote.upper()
    series = RBA_SERIES.get(quote)
    if series is None:
        raise ProviderError(f"RBA table F11.1 has no series for {quote}")
    url = settings.RBA_URL
    try:
        text = fetch(url).content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProviderError(f"{url}: not UTF-8 text ({exc})") from exc
    if text.lstrip().startswith("<"):
        raise ProviderError(f"{url}: got an HTML or XML page instead of the CSV")

    rows = csv.reader(io.StringIO(text))
    for row in rows:
        if row and row[0].strip() == "Series ID":
            header = [cell.strip() for cell in row]
            break
    else:
        raise ProviderError(f"{url}: no 'Series ID' row")
    if series not in header:
        raise ProviderError(f"{url}: no {series} column for {quote}")
    column = header.index(series)

    quotes = []
    # The csv reader carries on from just below the Series ID row.
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue  # trailing blank lines
        date = _rba_date(row[0], url)
        cell = row[column].strip() if column < len(row) else ""
        if not cell:
            continue  # no fixing that day for this currency (a holiday)
        rate = _rate(cell, f"{url} {date} {series}")
        quotes.append(RateQuote("AUD", quote, rate, date, "rba"))
    if not quotes:
        raise ProviderError(f"{url}: no {quote} rates in the table")
    quotes.sort(key=lambda item: item.date)
    return quotes[-days:]


def _rba_date(text: str, url: str) -> datetime.date:
    # "27-Nov-2026", parsed by hand: strptime's %b follows the process locale.
    try:
        day, month, year = text.strip().split("-")
        return datetime.date(int(year), MONTHS.index(month.title()) + 1, int(day))
    except ValueError:
        raise ProviderError(f"{url}: {text!r} is not a date like 27-Nov-2026") from None


# --- European Central Bank ----------------------------------------------------------


def ecb(base: str, quote: str = "CNY", days: int = 31) -> list[RateQuote]:
    """`base` → `quote` through the euro reference rates, last `days` days, oldest
    first; a day without either currency is left out."""
    _check_days(days)
    base, quote = base.upper(), quote.upper()
    url = settings.ECB_URL
    try:
        root = defusedxml.ElementTree.fromstring(fetch(url).content, forbid_dtd=True)
    except defusedxml.DefusedXmlException as exc:
        raise ProviderError(f"{url}: refused unsafe XML ({exc!r})") from exc
    except ParseError as exc:
        raise ProviderError(f"{url}: response is not valid XML ({exc})") from exc

    quotes = []
    for date, per_euro in _ecb_days(root, url):
        if base not in per_euro or quote not in per_euro:
            continue
        if per_euro[base] <= 0:
            raise ProviderError(f"{url} {date}: {base} rate {per_euro[base]} <= 0")
        rate = (per_euro[quote] / per_euro[base]).quantize(
            CROSS_PLACES, rounding=ROUND_HALF_EVEN
        )
        quotes.append(RateQuote(base, quote, rate, date, "ecb"))
    if not quotes:
        raise ProviderError(f"{url}: no day has both {base} and {quote}")
    quotes.sort(key=lambda item: item.date)
    return quotes[-days:]


def _ecb_days(
    root: Element, url: str
) -> list[tuple[datetime.date, dict[str, Decimal]]]:
    """Each day's units of each currency per euro (the euro itself being 1)."""
    if root.tag != GESMES_ENVELOPE:
        raise ProviderError(f"{url}: root element is {root.tag}, not gesmes:Envelope")
    outer = root.find(f"{ECB_NAMESPACE}Cube")
    if outer is None:
        raise ProviderError(f"{url}: no Cube element")
    result = []
    for day in outer.iterfind(f"{ECB_NAMESPACE}Cube"):
        try:
            date = datetime.date.fromisoformat(day.get("time", ""))
        except ValueError:
            raise ProviderError(f"{url}: Cube time {day.get('time')!r}") from None
        per_euro = {"EUR": Decimal(1)}
        for cube in day.iterfind(f"{ECB_NAMESPACE}Cube"):
            currency, rate = cube.get("currency"), cube.get("rate")
            if not currency or rate is None:
                raise ProviderError(f"{url} {date}: Cube without currency or rate")
            per_euro[currency] = _rate(rate, f"{url} {date} {currency}")
        result.append((date, per_euro))
    return result


# --- Dispatch -----------------------------------------------------------------------


def rates_for(currency: str, quote: str = "CNY", days: int = 31) -> list[RateQuote]:
    """`currency` → `quote`: AUD from the RBA (the ECB if that fails), others from
    the ECB."""
    if currency.upper() != "AUD":
        return ecb(currency, quote, days)
    try:
        return rba(quote, days)
    except ProviderError as rba_error:
        logger.warning("RBA rates unavailable, trying the ECB: %s", rba_error)
        try:
            return ecb(currency, quote, days)
        except ProviderError as ecb_error:
            raise ProviderError(
                f"RBA failed ({rba_error}); ECB fallback failed ({ecb_error})"
            ) from ecb_error
