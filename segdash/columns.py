"""Column roles and column profiles.

Roles
-----
:func:`suggest_roles` gives every imported column one of :data:`segdash.schema.ROLES`.
It reads the column's *name* (split into words: ``"NumWebPurchases"`` -> ``num web purchases``,
``"Annual Income (k$)"`` -> ``annual income k``) against the rule table :data:`ROLE_RULES`, and a
few facts about its *content* taken in one aggregate query over a sample (share of e-mail
addresses and phone numbers, distinct values). In order:

1. content: mostly e-mail addresses -> ``pii``; mostly phone numbers in a column whose name says
   phone/contact/number -> ``pii``;
2. the first rule of :data:`ROLE_RULES` whose phrase is in the name and whose column type and
   content condition fit (``email`` is personal data before ``contact`` is a service channel,
   ``acquisition_cost`` comes before ``acquisition_channel``, ``total_spend`` is revenue before
   ``spend`` is behavioral, ...);
3. any other date column -> ``date``; otherwise ``other``;
4. a column with one value only (``Z_Revenue`` = 11 everywhere) cannot tell customers apart:
   it becomes ``other`` unless it is an id or personal data;
5. kinds of column that words alone do not tell (:func:`_role_from_kind`, :func:`_roles_from_values`):
   the year or month of an event (``Enrollment_Year``, ``Cancellation_Month``) -> ``date``; whole
   numbers that are ``yyyymmdd`` dates or Unix times -> read as a date column; a yes/no column named
   after one value of a category (``Male`` 0/1 -> ``demographic``, ``Urban`` -> ``geographic``) or
   after what the customer is or has (``is_premium``, ``has_app`` -> ``behavioral``); free text and
   web addresses -> ``other`` whatever word their name holds (``Ad Topic Line``, ``Website``); a
   survey's battery of ratings (5+ number columns on one 0-5, 0-7 or 0-10 scale) -> ``psychographic``
   (:func:`_rating_batteries`);
6. in a table of business customers (industry, business type or segment, employees, catalogue size,
   founding year), a column named only the company's revenue (``AnnualRevenue``) is its size:
   ``demographic`` (:func:`_firmographic_revenue`);
7. last, the columns that no rule knows (:func:`_spend_per_category`, :func:`_lead_types`,
   :func:`_price_paid`, :func:`_unknown_measurements`, :func:`_firmographic_attributes`):
   a run of 3+ amount columns mostly named after goods (``Fresh``, ``Milk``, ``Grocery``) is spend
   per category -> ``revenue``; a ``lead_type`` whose values say how leads came in (Inbound,
   Outbound) -> ``acquisition_channel``; a bare ``price`` in a table of purchases (a transaction key
   such as ``invoice_no``) -> ``revenue``; a name that says a preference or a genre
   (``PreferredPropertyStar``, ``favourite_colour``, ``GameGenre``) -> ``psychographic``; any other
   number, yes/no or text category is ``behavioral`` unless it is one of the kinds ``other`` stands
   for; in a table of business customers, such a text category or yes/no describes the company
   (``has_company``, ``lead_type`` online/offline) -> ``demographic``.

**What ``other`` means.** A column that does not describe the customer in a way segmenting should use
by default: row numbers and placeholder names (a blank header, ``Unnamed: 0``, ``V1``), identifiers of
something else (a repeated ``store_id``, ``Policy Number``), bookkeeping and technical fields
(``batch``, ``version``), consents and contact permissions (``email_opt_in``, ``accepts_marketing``,
``do_not_call``, ``Phone`` 0/1), constants, free text and web addresses, model outputs, the description
of a campaign or a product (``UnitPrice``), a bare period or a part of a date (``Year``, ``Weekday``,
``arrival_date_day_of_month``), another party's number (``agent``), and small whole-number codes whose
name does not say what they stand for (``Band`` 1-5); for text, also free text and lists of names or
codes (more than 30 values, or values that hardly repeat), columns blank for most customers, offers and
labels the company gave (``Renew Offer Type``, ``Segment``), the staff a customer is assigned to
(``Assigned_Rep``) and contact points (``phone_type``). **An unknown number, yes/no or text category
is behavioral**: in a customer file, a measurement of the customer that no rule reads as who they are,
where they live, what they think or what they pay is most often something they did, chose or have
(``Bonus_miles``, ``Mortgage``, ``CD Account`` 0/1, ``BookedHotelOrNot``, a loan's ``Purpose``, the
``RoomTaken``, a ``CourseCategory``). A marketer expects such a category in the profiles and among the
clustering features; left ``other``, it silently disappeared from both. Behavioral columns are default
clustering features, which is why every kind listed above stays ``other``: an index or a code is never a
number a clustering measures distances on, and a label the company gave would only be repeated. Zip and
postal codes are ``geographic`` (an area, not a person); names, e-mails, phones, street addresses and
dates of birth are ``pii``.

**Last purchase dates are behavioral**: ``last_purchase_date``, ``last_order``, ``recency`` ...
get ``behavioral`` (not ``date``), so recency-based methods (RFM) find the purchase date as the
behavioral column of type date, distinct from signup or birth dates (role ``date``).

Profiles
--------
:func:`profile_columns` computes missing values, distinct values, min/median/max, top values and a
small histogram per column with two DuckDB queries over the whole table (plus one group-by per
text column with more than 1,000 values that repeat). Medians are exact (DuckDB's ``quantile_cont``
/ ``quantile_disc`` were faster than ``approx_quantile`` here); on tables over :data:`EXACT_LIMIT`
rows, distinct counts are DuckDB's HyperLogLog estimate (``approx_count_distinct``, typically
within a few percent), and the frame's ``attrs["approximate"]`` says so.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import duckdb

from segdash import db
from segdash.db import ROW, TABLE
from segdash.numbers import format_number
from segdash.schema import is_modelling_role

if TYPE_CHECKING:  # Ibis and pandas are imported where column profiles need them, not with this module
    import pandas as pd

#: Above this many rows, profiles use approximate distinct counts (HyperLogLog).
EXACT_LIMIT = 200_000
#: Rows looked at (roughly) for the content facts that suggest roles. Bigger tables are sampled by
#: blocks (DuckDB ``TABLESAMPLE system``, repeatable): 3x faster than row sampling on 1M rows.
ROLE_SAMPLE_ROWS = 50_000
#: Ibis sampling method for the role facts (``"block"``: DuckDB ``TABLESAMPLE system``).
SAMPLE_METHOD = "block"
#: Bins of a number or date histogram.
HISTOGRAM_BINS = 12
#: Text columns with at most this many distinct values get top values from one shared query.
_TOP_VALUES_MAP_LIMIT = 1_000
#: How many top values a profile shows.
TOP_VALUES = 3

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"
#: Phone numbers: a leading ``+`` or a separator between digit groups, 7+ characters.
PHONE_PATTERN = r"^(\+\d[\d ().\-/]{5,}\d|\(?\d{2,}\)?[ .\-/]\d[\d ().\-/]{3,}\d)$"

_TEXT, _NUMBER, _DATE, _BOOLEAN = "text", "number", "date", "boolean"
_ANY = frozenset({_TEXT, _NUMBER, _DATE, _BOOLEAN})


# -- names ---------------------------------------------------------------------------


def name_words(name: str) -> tuple[str, ...]:
    """Split a column name into lower-case words.

    Case changes, digits and punctuation separate words; a run of letters that is not a word of the
    role vocabulary (:func:`_vocabulary`) and holds several of them is split into words with
    ``wordninja`` (English word frequencies, shipped with the library) taught that vocabulary:
    ``"Tenureinmonths"`` -> ``tenure in months``, ``"CLIENTNUM"`` -> ``client num``. Known words
    and abbreviations (``kidhome``, ``mnt``, ``recency``) are never split; in a name with several
    words, only runs of :data:`_MIN_SQUASHED_PART` letters or more are tried (``invoice_no`` stays).

    Parameters
    ----------
    name
        A column name as written (``"CustomerID"``, ``"Dt_Customer"``, ``"Annual Income (k$)"``).

    Returns
    -------
    tuple of str
        ``("customer", "id")``, ``("dt", "customer")``, ``("annual", "income", "k")``.
    """
    # An acronym's plural is one word (``DUIs``, ``ATMs``, ``IDs``), not ``DU`` + ``Is``.
    spaced = re.sub(r"([A-Z]{2,})s(?![a-z])", r"\1S", str(name))
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", spaced)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    spaced = re.sub(r"([A-Za-z])(\d)", r"\1 \2", spaced)
    found = re.findall(r"[a-z]+|\d+", spaced.lower())
    # A name written as one run of letters is squashed; in a name whose writer separated words, only
    # a long run can be (``Saveforlater_Frequency``).
    shortest = _MIN_SQUASHED if sum(w.isalpha() for w in found) == 1 else _MIN_SQUASHED_PART
    words: list[str] = []
    for word in found:
        if word in _SQUASHED_FILLERS:  # ``TypeofContact``, ``NumberofChildren``: a filler written onto its noun
            words.extend(_SQUASHED_FILLERS[word])
        else:
            words.extend(_split_squashed(word) if len(word) >= shortest else (word,))
    return tuple(words)


#: A word and ``of`` written as one (``TypeofContact``, ``NumberofTrips``, ``Noof_children``).
_SQUASHED_FILLERS: dict[str, tuple[str, ...]] = {
    "typeof": ("type", "of"), "numberof": ("number", "of"), "noof": ("no", "of"), "numof": ("num", "of"),
    "kindof": ("kind", "of"), "sourceof": ("source", "of"), "modeof": ("mode", "of"), "yearsof": ("years", "of"),
    "dateof": ("date", "of"), "countof": ("count", "of"), "amountof": ("amount", "of"),
}


#: Short forms met in real column names -> the word the role table uses (``Total_Trans_Amt``).
ABBREVIATIONS: dict[str, str] = {
    "amt": "amount", "amnt": "amount", "bal": "balance", "ct": "count", "cnt": "count", "trx": "transaction",
    "txn": "transaction", "txns": "transaction", "trans": "transaction", "tx": "transaction", "chng": "change",
    "chg": "change", "cr": "credit", "num": "number", "no": "number", "nr": "number", "nbr": "number",
    "nmbr": "number", "qty": "quantity", "avg": "average", "pct": "percent", "prc": "percent", "perc": "percent", "pcnt": "percent",
    "yr": "year", "yrs": "year", "mo": "month", "mon": "month", "mth": "month", "mths": "month",
    "freq": "frequency", "cust": "customer", "acct": "account", "addr": "address", "prev": "previous",
    "tot": "total", "rev": "revenue", "purch": "purchase", "prod": "product", "prods": "product",
    "dept": "department", "edu": "education", "loc": "location", "msg": "message", "ctry": "country",
    "cntry": "country", "txt": "text", "sess": "session", "subs": "subscription", "util": "utilization",
    "utilisation": "utilization", "promotion": "promo", "resp": "response", "acq": "acquisition",
    "bd": "birthdate", "qtr": "quarter", "wk": "week", "licence": "license", "licences": "license",
    "enrolment": "enrollment", "enrol": "enroll", "previously": "previous", "fam": "family",
}
#: Plural-looking words that are not plurals (``status``), or whose singular means something else.
_NO_STEM = frozenset({"values", "news", "series", "species", "sms", "gps", "ios", "gas", "yes", "has", "was", "this",
                      "its", "his", "hers", "ours", "plus", "bus", "canvas", "always", "perhaps", "whereas"})
_IE_PLURALS = frozenset({"movies", "cookies", "calories", "selfies", "rookies", "hoodies", "zombies", "brownies"})
#: A leading number word followed by more words counts things: ``NumOfProducts``, ``No_of_children``.
_COUNTING = frozenset({"number"})


def _stem(word: str) -> str:
    """The singular of a plural word, the same way for names and the role table."""
    if len(word) <= 3 or word in _NO_STEM or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("ies") and len(word) > 4:
        return word[:-1] if word in _IE_PLURALS else word[:-3] + "y"
    return word[:-1]


def _normal(word: str) -> str:
    """One name word as the role table reads it: abbreviations written out, plurals made singular."""
    return _stem(ABBREVIATIONS.get(word, word))


def role_words(name: str) -> tuple[str, ...]:
    """The words of a column name as the role table reads them.

    :func:`name_words`, with abbreviations written out (``amt`` -> ``amount``, ``bal`` ->
    ``balance``, ``ct`` -> ``count``; :data:`ABBREVIATIONS`), plurals made singular
    (``payments`` -> ``payment``), and a leading ``number``/``num``/``no`` before more words read
    as a count (``NumOfProducts`` -> ``count of product``; a trailing one stays a number:
    ``CLIENTNUM`` -> ``client number``).

    Parameters
    ----------
    name
        A column name as written.

    Returns
    -------
    tuple of str
        ``"Total_Trans_Amt"`` -> ``("total", "transaction", "amount")``.
    """
    words = [_normal(w) for w in name_words(name)]
    if len(words) > 1 and words[0] in _COUNTING and not words[1].isdigit():
        words[0] = "count"
    return tuple(words)


#: Words a squashed name is made of, besides the role table's and :data:`ABBREVIATIONS`
#: (``Tenureinmonths``, ``Customerstatus``, ``Avgmonthlygbdownload``).
_EXTRA_WORDS = frozenset({
    "total", "monthly", "yearly", "annual", "weekly", "daily", "average", "minimum", "maximum", "number", "count",
    "status", "type", "method", "category", "reason", "group", "level", "flag", "score", "plan", "data", "internet",
    "online", "offer", "months", "years", "days", "weeks", "in", "of", "on", "to", "per", "since", "last", "first",
})
#: Squashed runs shorter than this are left whole (``dob``, ``mnt``, ``cmp``).
_MIN_SQUASHED = 6
#: ... and, in a name with other words (``invoice_no``), runs shorter than this.
_MIN_SQUASHED_PART = 10


def _vocabulary() -> frozenset[str]:
    """Every word of the role table, the abbreviations and :data:`_EXTRA_WORDS` (as written and singular)."""
    global _VOCABULARY
    if _VOCABULARY is None:
        words = {w for rule in ROLE_RULES for phrase in rule.phrases for w in phrase.lstrip("^").split()}
        words |= set(ABBREVIATIONS) | set(ABBREVIATIONS.values()) | _EXTRA_WORDS | _MODEL_OUTPUT_WORDS
        words |= _DERIVED_WORDS | _EVENT_WORDS | _TIME_NAME_WORDS | set(_PERIOD_PARTS)
        words |= {w for value in _CATEGORY_FLAGS for w in value.split()}
        _VOCABULARY = frozenset(words | {_stem(w) for w in words})
    return _VOCABULARY


_VOCABULARY: frozenset[str] | None = None
_SPLITTER: Any = None


def _splitter() -> Any:
    """``wordninja``'s English model, with the role vocabulary made as likely as common English words."""
    global _SPLITTER
    if _SPLITTER is None:
        import wordninja

        base = wordninja.DEFAULT_LANGUAGE_MODEL
        model = object.__new__(wordninja.LanguageModel)
        costs = dict(base._wordcost)
        common = math.log(500 * math.log(len(costs)))  # as likely as the 500th most common English word
        for word in _vocabulary():
            if len(word) >= 3:
                costs[word] = min(costs.get(word, common), common)
        model._wordcost = costs
        model._maxword = max(base._maxword, max(len(w) for w in costs))
        _SPLITTER = model
    return _SPLITTER


@functools.lru_cache(maxsize=4096)
def _split_squashed(word: str) -> tuple[str, ...]:
    """A lower-case run of letters as known words (``totalrevenue`` -> ``total``, ``revenue``), or as is."""
    if not word.isalpha() or word in _vocabulary() or _stem(word) in _vocabulary():
        return (word,)
    parts = tuple(str(p).lower() for p in _splitter().split(word))
    known = [p for p in parts if len(p) >= 3 and (p in _vocabulary() or _normal(p) in _vocabulary())]
    if len(parts) < 2 or not known or "".join(parts) != word:
        return (word,)
    return parts


def _has_phrase(words: tuple[str, ...], phrase: str) -> bool:
    """Whether ``phrase`` occurs in ``words`` as consecutive words (``^phrase``: the whole name)."""
    if phrase.startswith("^"):
        return words == tuple(phrase[1:].split())
    target = tuple(phrase.split())
    size = len(target)
    return any(words[i : i + size] == target for i in range(len(words) - size + 1))


@dataclass(frozen=True)
class RoleRule:
    """One line of the role table.

    Attributes
    ----------
    role
        The role suggested when the rule fits.
    phrases
        Words to find in the column name, consecutive (``"total spend"``); a leading ``^``
        means the phrase must be the whole name (``"^id"``).
    types
        Column types the rule applies to.
    content
        Extra condition on the content: ``"varied"`` (many different values, not a category),
        ``"unique"`` (nearly one value per row), or ``""`` for none.
    """

    role: str
    phrases: tuple[str, ...]
    types: frozenset[str] = _ANY
    content: str = ""


def _rule(role: str, phrases: str, types: Iterable[str] = _ANY, content: str = "") -> RoleRule:
    return RoleRule(role, tuple(p.strip() for p in phrases.split(",") if p.strip()), frozenset(types), content)


_NOT_BOOL = (_TEXT, _NUMBER)

#: How a customer signed up or was enrolled (``registered_via``, ``signup_method``, ``Enrollment_Type``):
#: the acquisition channel, as text or as a number code.
_SIGNUP_CHANNEL_WORDS = (
    "registered via, registration via, registration channel, registration method, registration source,"
    " signup method, signup source, signup via, sign up method, sign up source, sign up via, signed up via,"
    " joined via, join channel, join method, join source, acquired via, acquisition source, acquisition method,"
    " enrollment type, enrollment channel, enrollment method, enrollment source, enrolled via"
)

#: How a lead or prospect came in (Kaggle holiday packages' ``TypeofContact``: Self Enquiry / Company
#: Invited; ``lead_source``, ``enquiry_source``): the acquisition channel. (``contact type`` alone, the
#: way a customer is reached, is a service channel; a bare ``lead_type`` may be how the lead came in
#: or what kind of business it is, so its values decide: :func:`_lead_types`.)
_LEAD_WORDS = (
    "type of contact, contact source, source of contact, first contact, initial contact, lead origin,"
    " lead channel, lead source type, source of lead, enquiry source, inquiry source, enquiry type, inquiry type,"
    " enquiry channel, inquiry channel, source of enquiry, source of inquiry, inbound or outbound, how found,"
    " found us, came from, came through, referred by"
)

#: Zip and postal codes (``ZIP Code``, ``customer_zip_code_prefix``, ``postcode``, German ``PLZ``,
#: Brazilian ``CEP``, Indian ``pincode``): geographic.
_POSTAL_WORDS = (
    "zip, zipcode, zip code, postcode, post code, postal code, postal, postalcode, plz, postleitzahl, cep,"
    " pincode, pin code, eircode, zip prefix, postal district"
)

#: What a customer owns: wealth, a demographic like income (``residential_assets_value``, ``bank_asset_value``,
#: ``NetWorth``, ``Wealth_Band``).
_WEALTH_WORDS = (
    "asset, assets, asset value, assets value, total assets, net worth, networth, net assets, wealth, wealthy,"
    " property value, home value, house value, real estate value"
)

#: Consents and marketing permissions.
_CONSENT_PHRASES = (
    "opt in, opt out, optin, optout, opted in, opted out, opt in status, consent, consents, consented, gdpr,"
    " do not call, do not contact, do not email, do not mail, do not disturb, dnc, marketing permission,"
    " marketing permissions, accepts marketing, accept marketing, accepts email marketing, accepts sms marketing,"
    " marketing allowed, contact allowed, permission to contact, contact permission, robinson"
)

#: The role table, in order of precedence: the first rule that fits wins.
ROLE_RULES: tuple[RoleRule, ...] = (
    _rule(
        "id",
        "^id, customer id, customerid, cust id, custid, client id, clientid, user id, userid, member id,"
        " account id, account number, account no, customer number, customer no, customer code, client number,"
        " contact id, person id, uuid, guid, customer key, record id, ^row id",
        _NOT_BOOL,
    ),
    _rule(
        "pii",
        "email, e mail, mail address, ^name, full name, first name, firstname, last name, lastname, surname,"
        " family name, given name, forename, middle name, customer name, client name, contact name, ^username,"
        " user name, address, street, ssn,"
        " social security, passport, national id, iban, credit card, card number, ip address,"
        " phone, telephone, ^tel, mobile, cell, cellphone, fax, whatsapp, account name, company name,"
        " business name, organization name, organisation name",
        (_TEXT,),
        "varied",
    ),
    _rule(
        "pii",
        "^phone, ^phone number, ^telephone, ^mobile, ^mobile number, ^cell",
        (_NUMBER,),
        "varied",
    ),
    _rule("pii", "date of birth, dob, birthdate, birth date, birthday", (_DATE, _TEXT)),
    # Whether the customer may be contacted or marketed to is a permission, not behaviour (``email_opt_in``,
    # ``accepts_marketing``, ``do_not_call``): other.
    _rule("other", _CONSENT_PHRASES, (_TEXT, _NUMBER, _BOOLEAN)),
    # A zip or postal code names an area of thousands of households (the issue's "zip codes are codes"):
    # a place, not personal data, and never a customer id however many different ones a small file has.
    _rule("geographic", _POSTAL_WORDS),
    _rule("id", "id, code, number, no, nr, key, ref, reference, uuid, ^customer, ^client, ^user, ^member, ^account",
          _NOT_BOOL, "unique"),
    _rule("other", "description, descriptions, comment, comments, notes, note, free text, message, remarks", (_TEXT,)),
    _rule(
        "service_channel",
        "service channel, support channel, contact channel, care channel, preferred contact, contact preference,"
        " preferred channel, contact method, contact mode, ^contact, ^contact type, communication channel,"
        " communication preference, preferred communication, channel preference, ticket channel, complaint channel,"
        " service desk channel",
        (_TEXT,),
    ),
    _rule(
        "acquisition_cost",
        "acquisition cost, cost of acquisition, cost per acquisition, cac, cpa, acq cost, marketing cost,"
        " marketing spend, campaign cost, acquisition spend, cost to acquire, cost per customer, ad spend,"
        " ads spend, adspend, ad cost, ads cost, advertising spend, advertising cost, media spend, media cost,"
        " campaign spend, cost per click, cpc, cost per lead, cpl, acquisition costs, marketing costs",
        (_NUMBER,),
    ),
    # A campaign's type or goal describes the campaign, not how the customer came: not a channel.
    _rule("other", "campaign type, campaign category, campaign kind, campaign objective, campaign goal,"
          " campaign status, campaign format, type of campaign, market segment, customer segment", (_TEXT,)),
    _rule(
        "acquisition_channel",
        "acquisition, acquired, acquisition channel, source, utm, campaign, referral, referred, referrer,"
        " signup channel, sign up channel, channel acquired, first touch, medium, how heard, origin, ^channel,"
        " sales channel, marketing channel, lead source, hear about, heard about, how did you hear,"
        " distribution channel, booking channel,"
        " how did you find, " + _SIGNUP_CHANNEL_WORDS + ", " + _LEAD_WORDS,
        (_TEXT,),
    ),
    # An acquisition channel written as a number is a code: few small whole numbers (KKBox
    # ``registered_via`` 3, 4, 7, 9, 13). Only names that say "how the customer came" (``campaign``
    # alone counts contacts in the bank file).
    _rule(
        "acquisition_channel",
        "acquisition channel, channel acquired, lead source, referral source, referral channel, utm source,"
        " utm medium, ^channel, ^source, signup channel, sign up channel, sales channel, marketing channel, "
        + _SIGNUP_CHANNEL_WORDS + ", " + _LEAD_WORDS,
        (_NUMBER,),
        "code",
    ),
    # Ratings and opinions are never money, whatever else the name says.
    _rule(
        "psychographic",
        "rating, ratings, rated, satisfaction, satisfied, importance, nps, net promoter, likelihood, helpfulness,"
        " reliability, appreciation, accuracy, improvement, factors, trust, preference score, csat, ces,"
        " customer effort, feedback, sentiment, comfort, convenience, convenient, cleanliness, ease of,"
        " friendliness, courtesy",
    ),
    # A quality score is an opinion of the quality, whatever it rates (``CallQuality``, ``service_quality``
    # 1-10). Numbers only: a ``video_quality`` HD/SD chosen is a setting, not an opinion.
    _rule("psychographic", "quality, quality score, quality rating, perceived quality", (_NUMBER,)),
    # An income is the customer's, never revenue, whatever money word stands next to it (``AMT_INCOME_TOTAL``);
    # so is what they own (``residential_assets_value``, ``net_worth``): wealth, like income.
    _rule("demographic", "income, salary, salaries, wage, wages, " + _WEALTH_WORDS, (_NUMBER,)),
    # A yes/no "revenue" or "converted" says whether the customer bought (online shoppers' ``Revenue``).
    _rule("behavioral", "revenue, sale, sales, bought, converted, conversion, buyer, purchaser", (_BOOLEAN,)),
    # Web analytics of a visit (``PageValues`` is no belief, ``ExitRates`` no churn), and the terms of a
    # loan or card (an interest rate is no hobby).
    _rule("behavioral", "page value, page values, exit rate, exit rates, bounce rate, bounce rates, visitor type,"
          " visitor, new visitor, returning visitor, weekend, interest rate, interest rates, rate of interest,"
          " interest paid, interest charged, interest earned, interest amount, apr"),
    # Money that is not what the customer brings in: rebates, raises, claims paid out.
    _rule(
        "behavioral",
        "cashback, cash back, hike, discount, discounts, coupon, coupons, refund, refunds, claim, claims, voucher,"
        " promo, promo code, loan, loans, time spent, minutes spent, hours spent",
        (_NUMBER, _BOOLEAN),
    ),
    _rule(
        "revenue",
        "revenue, total spend, ^spend, spent, sales, amount, ltv, clv, cltv, lifetime value, monetary,"
        " charges, turnover, gmv, order value, aov, total price, line total, price quantity, basket value,"
        " profit, margin, mnt, premium, premiums, purchase amount, order amount, fee, fees, billing amount,"
        " bill amount, transaction value, purchase value, lifetime spend, mrr, arr, recurring revenue, acv,"
        " contract value, customer value, client value,"
        # what the customer is billed (``bill_avg``, ``MonthlyBill``, ``BILL_AMT1``) or paid
        " ^bill, ^bills, bill average, average bill, monthly bill, bill monthly, total bill, bill total, bill value,"
        " bill size, mean bill, last bill, annual bill, yearly bill, invoice total, invoice value, total paid,"
        " paid total",
        (_NUMBER,),
        "money",
    ),
    _rule(
        "behavioral",
        "last purchase, lastpurchase, last order, last visit, last transaction, last active, last seen,"
        " last login, recency, days since, months since last, since last, last interaction, last contact,"
        " last activity, last payment",
    ),
    # A date-typed column is behavioral only when it says when the customer bought or came.
    _rule("behavioral", "purchase, purchased, order, ordered, visit, transaction, login", (_DATE,)),
    # Tenure: how long the customer has been one (before "age" is demographic: ``account_age_days``).
    _rule(
        "behavioral",
        "tenure, lifetime, vintage, seniority, account age, age of account, account length, customer since,"
        " member since, client since, subscriber since, customer for, months on book, relationship length,"
        " length of relationship, relationship age, membership length, membership duration, membership age,"
        " subscription length, subscription age, days as customer, months as customer, years as customer,"
        " time as customer, days as member, months as member, years as member, years with, months with,"
        " loyalty year, customer tenure, since,"
        # the age of a credit history is its length, not the person's age
        " credit history age, credit history length, length of credit history, credit age, age of credit",
        _NOT_BOOL,
    ),
    _rule(
        "psychographic",
        "interest, interests, hobby, hobbies, lifestyle, life style, values, personality, attitude, attitudes,"
        " opinion, opinions, motivation, motivations, beliefs, persona, aspirations, passions,"
        # a behaviour *profile* or persona type is a personality (DISC animals, MBTI), not what the customer did
        " behaviour profile, behavior profile, behavioural profile, behavioral profile, personality type,"
        " personality profile, disc profile, disc type, mbti, temperament, archetype, buyer persona,"
        " customer persona, persona type,"
        # a taste in genres (``GameGenre`` and other compounds too: the fallback's _TASTE_WORDS)
        " favourite genre, favorite genre, preferred genre, music genre, movie genre, film genre, book genre,"
        " genre preference,"
        # attitudes to risk, price and brands; politics (a risk profile is how the customer thinks)
        " risk appetite, risk tolerance, risk profile, risk aversion, risk attitude, attitude to risk,"
        " price sensitivity, price sensitive, price conscious, brand conscious, eco conscious,"
        " environmentally conscious, political, politics, political view, religiosity",
    ),
    _rule(
        "geographic",
        "country, region, city, state, province, continent, county, territory, town, location, geo, lat,"
        " latitude, lon, lng, ^long, longitude, district, area, market, timezone, time zone, suburb, zip, zipcode,"
        " postcode, post code, postal code, city tier, tier city, region tier, geography, geographic, geographical,"
        " distance to, distance from, proximity, to home, from home",
    ),
    _rule(
        "demographic",
        "age, gender, sex, income, salary, occupation, job, profession, employment, education, degree,"
        " marital, married, household, kids, kid, kidhome, teenhome, teen, teens, children, child, dependents,"
        " dependent, senior, partner, birth, born, family, ethnicity, religion, language, nationality,"
        " generation, life stage, homeowner, home owner, vehicle, graduated, graduate, graduation, work experience,"
        " job experience, professional experience, years of experience, ^experience, qualification,"
        " qualifications, schooling, birthdate, birthday, dob, yob, birth year, year of birth,"
        # firmographics, the demographics of a business customer
        " industry, sector, company size, business segment, industry segment, business sector, business vertical,"
        " industry vertical, ^vertical, line of business, business line, business category, nature of business,"
        # the size of a business customer's range (``declared_product_catalog_size``), like its headcount
        " catalog size, catalogue size, product catalog, product catalogue, assortment size, range size,"
        " employee count, count of employee, count employee, headcount,"
        " firmographic, business type, company type, organization type, organisation type, driving license,"
        " driver license, drivers license, driving licence, car owner, own car, owns car, car ownership, own house,"
        " owns house, own home, owns home, house owner, ^employee, employees count, adults, adult, babies, baby,"
        " infants, bmi, body mass index, own realty, owns realty, realty, own property, property owner,"
        " housing type, housing situation, home ownership, homeownership, residence type, dwelling, days employed,"
        " months employed, years employed, employed since, employment length, years of employment,"
        # when a business customer was founded is its age (``Year_Established``)
        " established, year established, founded, year founded, founding year, incorporated, incorporation year,"
        # health, a personal characteristic (``ChronicDiseases``, ``bmi``)
        " chronic, disease, diseases, chronic disease, illness, health condition, medical condition, disability,"
        " diabetes, diabetic, hypertension, blood pressure, pregnancy, pregnancies, pregnant, ^height, ^weight,"
        " body weight, weight kg, weight lb, weight lbs, height cm, height m, height in, height inch,"
        # body and health measures at rest (``Resting_BPM``, ``Fat_Percentage``, ``Cholesterol``); a heart rate
        # during a workout (``Max_BPM``, ``Avg_BPM``) is measured in the member's sessions: not here
        " resting bpm, resting heart rate, resting pulse, resting hr, heart rate at rest, ^heart rate, ^heartrate,"
        " ^pulse, ^pulse rate, cholesterol, blood sugar, insulin, hba1c, hemoglobin, haemoglobin, triglycerides,"
        " glucose, systolic, diastolic, body fat, fat percentage, fat percent, fat pct, percent fat, percentage fat,"
        " visceral fat, muscle mass, bone density, bone mass, waist, waist size, waist circumference,"
        " hip circumference,"
        # race and ethnic origin
        " race, racial, ethnic, ethnic group, ethnic origin, ethnic background, caste, ancestry,"
        # a job title or position (``Designation``: Executive, Manager, VP)
        " designation, job title, jobtitle, job role, job position, job level, job grade, job function,"
        " job category, position title, work title, work class, workclass, class of worker, work type,"
        " type of work, worker type, work status, working status, social class, socioeconomic,"
        " socio economic,"
        # a person's place in a household, citizenship, form of address (census-like files)
        " ^relationship, relationship status, relationship to head, household role, citizenship, citizen,"
        " residency status, immigration status, salutation, honorific,"
        # physical traits
        " blood type, blood group, eye color, eye colour, hair color, hair colour, skin type, skin tone,"
        # years of experience of a driver or a professional (``DRIVING_EXPERIENCE``: 0-9y, 10-19y)
        " driving experience, driver experience, years driving, driving year, year licensed, licensed year,"
        " license year, experience year, year experience, year of experience, experience level,"
        # what a customer owns (wealth), and a business customer's ownership (``Subsidiary_Of``)
        " " + _WEALTH_WORDS + ", subsidiary, parent company, parent organization, parent organisation,"
        " ownership type, company ownership, legal form",
    ),
    # The store, mall or branch where the customer shops or banks (``shopping_mall``: Kanyon, Zorlu Center;
    # ``Branch``): a place. Text only (a small store number is read as a category, text, so it counts: which
    # store); a ``store_id`` is an identifier of another party (other). A bare ``Shop`` is left out: its values
    # are often how the customer shops (Online / In store), not where.
    _rule("geographic", "^mall, shopping mall, mall name, shopping centre, shopping center, ^store, store name,"
          " home store, ^branch, branch name, home branch, ^outlet, outlet name, shop name, ^showroom,"
          " ^boutique, ^dealership", (_TEXT,)),
    # How a person lives: own, rent, free (``Housing``); a yes/no ``housing`` is a housing loan (bank marketing)
    # Mall customers' ``Genre`` (Male/Female) is the gender: a bare name with 3 values at most. A genre of
    # games, music or films, or a ``Genre`` with many values, is a taste (the fallback's _TASTE_WORDS).
    _rule("demographic", "^genre", _ANY, "gender"),
    # A title (Mr, Mrs, Dr) or a position (Manager, Clerk) of a person
    _rule("demographic", "^title, ^position", (_TEXT,)),
    _rule("demographic", "^housing, housing status, home status, residence status, residential status,"
          " living situation, living arrangement, housing tenure, tenancy, rent or own, own or rent,"
          " years at address, years at residence, years at current address, time at address, time at residence,"
          " length of residence, residence since, years in current home", _NOT_BOOL),
    _rule(
        "behavioral",
        "orders, order, purchases, purchase, frequency, spend, spending, visits, visit, tenure, quantity, qty,"
        " count, sessions, logins, clicks, transactions, basket, churn, churned, complain, complaints,"
        " accepted, response, deals, usage, calls, loyalty, points, subscription, engagement, returns, payment,"
        " contract, purchased, service, services, lines, security, backup, protection, support, streaming, billing,"
        " paperless, coverage, policy, policies, plan, product, products, search, browsing, browse, cart, review,"
        " reviews, ticket, duration, balance, loan, loans, default, previous, outcome, poutcome, pdays, campaign,"
        " contacts, device, login, app, score, ^y, ^target, promo, shipping, shipment, delivery, interaction,"
        " cash advance, installment, credit, credit limit, card, website, web, online, membership, attrition,"
        " attrited, exited, retained, active, inactive, activity, months on book, utilization, open to buy,"
        " revolving, high value, vip, status, change, ratio, internet, download, upload, unlimited, gb, minutes,"
        " data usage, tier, opens, opened, views, pageviews, page views, bounce, wishlist,"
        " wish list, trial, free trial, seat, license, licensed, user count, count user, count of user, enrollment,"
        " enrolled, account type, customer type, client type, member type, subscriber type, user type, unsubscribed,"
        " unsubscribe, newsletter, preferred category, favorite category,"
        " favourite category, preferred product, favorite product, favourite product, preferred brand,"
        " favorite brand, favourite brand, ship mode, shipping mode, seconds, called, stay, nights, lead time,"
        " special request, waiting list, booking, reservation, listening, listened, played, skip, skip rate,"
        " watch time, watched, stream, streams, auto renew, auto renewal, autorenew,"
        # loyalty miles and frequent flying (``Bonus_miles``, ``FrequentFlyer``), a linked social account
        " miles, mile, mileage, frequent flyer, frequent flier, flyer, flier, flight, flights, social media,"
        " synced, linked account,"
        # what a person does, not who they are (a smoker is also a lifestyle; insurance ``smoker``)
        " smoker, smoking, smokes, non smoker, drinker, drinking,"
        # events the customer caused or had, counted (``DUIS``, ``PAST_ACCIDENTS``, ``SPEEDING_VIOLATIONS``)
        " dui, duis, dwi, dwis, accident, accidents, violation, violations, incident, incidents, offence, offences,"
        " offense, offenses, conviction, convictions, infringement, infringements, crash, crashes, collision,"
        " collisions, penalty, penalties, late payment, late payments, missed payment, missed payments,"
        " delinquency, delinquencies, overdue",
        (_TEXT, _NUMBER, _BOOLEAN),
    ),
)


#: Words of a model's output (``Naive_Bayes_Classifier_..._1``, ``churn_probability``): not a fact about
#: the customer, whatever other column names it strings together -> ``other``.
_MODEL_OUTPUT_WORDS = frozenset({
    "classifier", "classification", "probability", "proba", "prob", "prediction", "predicted", "pred", "posterior",
    "logit", "naive", "bayes",
})
#: Words of a figure derived from others (``BalanceSalaryRatio``, ``Total_Amt_Chng_Q4_Q1``): such a
#: column is not the money, income or place its other words name, so the revenue, demographic and
#: geographic lines do not apply (a behavioral line still may).
_DERIVED_WORDS = frozenset({"ratio", "change", "delta", "difference", "diff", "proportion", "variance"})
#: The role-table lines a derived figure skips.
_NOT_FOR_DERIVED = frozenset({"revenue", "demographic", "geographic"})


@dataclass
class _Facts:
    """What the content query found about one column (on a sample)."""

    rows: int
    values: int
    distinct: int
    emails: int = 0
    phones: int = 0
    low: float | None = None
    high: float | None = None

    @property
    def constant(self) -> bool:
        return self.values >= 2 and self.distinct == 1

    def fits(self, condition: str) -> bool:
        if condition == "varied":
            return self.values > 0 and (self.distinct * 2 >= self.values or self.distinct > _VARIED_DISTINCT)
        if condition == "unique":
            return self.values > 0 and self.distinct >= 0.9 * self.values
        if condition == "money":  # a 1-5 or 0-10 scale is a rating, never an amount of money
            scale = self.low is not None and self.high is not None and self.low >= 0 and self.high <= 10
            return not (scale and self.distinct <= 11)
        if condition == "code":  # a category written as a number: small whole numbers from 0 up, not amounts
            return (self.low is not None and self.high is not None and self.low >= 0 and self.high < _CODE_MAX
                    and 0 < self.distinct <= _CHANNEL_CODES)
        if condition == "gender":  # the few values of a gender (Male/Female/Other)
            return 0 < self.distinct <= 3
        if condition == "flag":  # yes/no written as 0/1 (a yes/no column has no low and high)
            return self.distinct <= 2 and (self.low is None or (self.low >= 0 and self.high is not None
                                                                and self.high <= 1))
        return True


#: An acquisition channel written as a number code has at most this many values (insurance
#: ``Policy_Sales_Channel`` has about 160).
_CHANNEL_CODES = 200
#: A personal-data column (names, addresses) has more different values than this, or is half unique.
_VARIED_DISTINCT = 50

_PHONE_NAME_WORDS = frozenset(
    {"contact", "number", "no", "phone", "mobile", "tel", "telephone", "cell", "fax", "whatsapp", "sms", "landline"}
)


def _grams(words: tuple[str, ...]) -> set[tuple[str, ...]]:
    """Every run of consecutive words of a name, plus ``("^", *words)`` for the whole name."""
    runs = {words[i:j] for i in range(len(words)) for j in range(i + 1, len(words) + 1)}
    runs.add(("^", *words))
    return runs


def _phrase_key(phrase: str) -> tuple[str, ...]:
    return ("^", *phrase[1:].split()) if phrase.startswith("^") else tuple(phrase.split())


def _role_key(phrase: str) -> tuple[str, ...]:
    """A role-table phrase read like a name (:func:`_normal` on every word)."""
    return tuple(w if w == "^" else _normal(w) for w in _phrase_key(phrase))


def phrase_matches(phrase: str, name: str) -> bool:
    """Whether a role-table phrase is in a column name, read the way :func:`suggest_roles` reads both.

    Parameters
    ----------
    phrase
        A phrase of :data:`ROLE_RULES` (``"total spend"``, ``"^id"``).
    name
        A column name as written.

    Returns
    -------
    bool
        ``phrase_matches("payment", "MINIMUM_PAYMENTS")`` is ``True``.
    """
    return _role_key(phrase) in _grams(role_words(name))


#: Each rule's phrases as word tuples (``^phrase`` as ``("^", ...)``), matched against :func:`_grams`.
_RULE_KEYS: dict[RoleRule, frozenset[tuple[str, ...]]] = {}


def _rule_keys(rule: RoleRule) -> frozenset[tuple[str, ...]]:
    keys = _RULE_KEYS.get(rule)
    if keys is None:
        keys = _RULE_KEYS[rule] = frozenset(_role_key(p) for p in rule.phrases)
    return keys


def _table_role(words: tuple[str, ...], kind: str, facts: _Facts) -> str | None:
    """The role the content (e-mails, phones), a model's words or a line of :data:`ROLE_RULES` gives one
    column, or ``None`` when none of them fits: a column whose name no rule knows."""
    if facts.values and facts.emails * 2 >= facts.values:
        return "pii"
    if facts.values and facts.phones * 2 >= facts.values and _PHONE_NAME_WORDS & set(words):
        return "pii"
    if _MODEL_OUTPUT_WORDS & set(words):
        return "other"
    derived = not _DERIVED_WORDS.isdisjoint(words)
    counted = "count" in words  # ``NumBills``, ``count_of_sales``: how many, not how much
    grams = _grams(words)
    for rule in ROLE_RULES:
        if (
            kind in rule.types
            and not (derived and rule.role in _NOT_FOR_DERIVED)
            and not (counted and rule.role == "revenue")
            and not grams.isdisjoint(_rule_keys(rule))
            and facts.fits(rule.content)
        ):
            return rule.role
    return None


def _role_for(words: tuple[str, ...], kind: str, facts: _Facts, *, known: str | None = "") -> str:
    """The role of one column from its words (:func:`role_words`), type and content facts
    (``known``: :func:`_table_role` already worked out)."""
    role = _table_role(words, kind, facts) if known == "" else known
    if role is None:
        role = "date" if kind == _DATE else "other"
    if facts.constant and role not in ("id", "pii"):
        return "other"
    return role


def _kind(dtype: Any) -> str:
    """segdash type of an Ibis dtype (column profiles)."""
    if dtype.is_boolean():
        return _BOOLEAN
    if dtype.is_numeric():
        return _NUMBER
    if dtype.is_temporal():
        return _DATE
    return _TEXT


def _columns(table: Any, types: dict[str, str]) -> list[tuple[str, str]]:
    """(name, segdash type) for every column but ``_row``, in table order (an Ibis table; column profiles)."""
    schema = table.schema()
    return [(name, types.get(name) or _kind(dtype)) for name, dtype in schema.items() if name != ROW]


# -- the content facts, in plain DuckDB SQL ---------------------------------------------------------
# Role suggestion runs on every import. Its statistics are collected with plain SQL over quoted
# identifiers (``db.quote_ident``) and our own constants, finished with ``fetchall()``: importing a
# file then loads neither Ibis nor pandas (about a second of a command-line import, issue 16). The
# DuckDB type ids below are read the way Ibis reads them (``tests/test_columns.py`` checks this).

#: DuckDB type ids Ibis calls integer / numeric / temporal / text.
_INTEGER_IDS = frozenset({"tinyint", "smallint", "integer", "bigint", "utinyint", "usmallint", "uinteger", "ubigint"})
_NUMERIC_IDS = _INTEGER_IDS | {"hugeint", "float", "double", "decimal"}
_TEMPORAL_IDS = frozenset({
    "date", "time", "timestamp", "timestamp_s", "timestamp_ms", "timestamp_ns", "timestamp with time zone",
    "time with time zone",
})
_STRING_IDS = frozenset({"varchar", "enum"})


@dataclass(frozen=True)
class _DuckType:
    """What the role facts need to know of a DuckDB column type."""

    id: str
    json: bool = False

    @property
    def is_integer(self) -> bool:
        return self.id in _INTEGER_IDS

    @property
    def is_numeric(self) -> bool:
        return self.id in _NUMERIC_IDS

    @property
    def is_string(self) -> bool:
        return self.id in _STRING_IDS and not self.json

    @property
    def kind(self) -> str:
        """The segdash type of a column of this type (as :func:`_kind` says for Ibis's type)."""
        if self.id == "boolean":
            return _BOOLEAN
        if self.is_numeric:
            return _NUMBER
        if self.id in _TEMPORAL_IDS:
            return _DATE
        return _TEXT


def _duck_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, _DuckType]:
    """Column name -> type of every column of ``table`` (``_row`` included), in table order; nothing is run."""
    relation = con.sql("SELECT * FROM " + db.quote_ident(table))  # bound, not run
    return {
        name: _DuckType(id=str(dtype.id), json=str(dtype).upper() == "JSON")
        for name, dtype in zip(relation.columns, relation.types, strict=True)
    }


def _duck_columns(types: dict[str, str], duck: dict[str, _DuckType]) -> list[tuple[str, str]]:
    """(name, segdash type) for every column but ``_row``, in table order."""
    return [(name, types.get(name) or dtype.kind) for name, dtype in duck.items() if name != ROW]


def _content_facts(
    con: duckdb.DuckDBPyConnection, source: str, columns: list[tuple[str, str]], duck: dict[str, _DuckType], *,
    approximate: bool = False,
) -> dict[str, _Facts]:
    """One aggregate query: values, distinct values, e-mail and phone shares per column.

    ``source`` is a quoted table name or a parenthesised query (:func:`_samples`). With
    ``approximate``, distinct values are DuckDB's HyperLogLog estimate: exact hash sets of
    every column of a 50,000-row sample cost ~60 MB of peak memory during a 1M-row import.
    """
    if len(columns) > WIDE_COLUMNS:
        return _content_facts_long(con, source, columns, duck, approximate=approximate)
    metrics: dict[str, str] = {"n": "count(*)"}
    for index, (name, kind) in enumerate(columns):
        column = db.quote_ident(name)
        metrics[f"v{index}"] = f"count({column})"
        metrics[f"d{index}"] = f"approx_count_distinct({column})" if approximate else f"count(DISTINCT {column})"
        if kind == _TEXT and duck[name].is_string:
            metrics[f"e{index}"] = _matches(column, EMAIL_PATTERN)
            metrics[f"p{index}"] = _matches(column, PHONE_PATTERN)
        elif kind == _NUMBER and duck[name].is_numeric:
            metrics[f"lo{index}"] = f"CAST(min({column}) AS DOUBLE)"
            metrics[f"hi{index}"] = f"CAST(max({column}) AS DOUBLE)"
    values = db.fetch_all(con, "SELECT " + ", ".join(metrics.values()) + " FROM " + source)[0]
    row = dict(zip(metrics, values, strict=True))
    facts = {}
    for index, (name, _) in enumerate(columns):
        facts[name] = _Facts(
            rows=_int(row["n"]),
            values=_int(row[f"v{index}"]),
            distinct=_int(row[f"d{index}"]),
            emails=_int(row.get(f"e{index}")),
            phones=_int(row.get(f"p{index}")),
            low=_float(row.get(f"lo{index}")),
            high=_float(row.get(f"hi{index}")),
        )
    return facts


def _matches(column: str, pattern: str) -> str:
    """SQL: how many values of a (quoted) text column match one of our regular expressions."""
    return f"sum(CAST(regexp_matches({column}, {_sql_text(pattern)}) AS INTEGER))"


#: Above this many columns, per-column facts come from one query over the table in long form
#: (:func:`segdash.db.long_form`): one distinct count per column in a single query costs DuckDB
#: minutes and gigabytes on 5,000 columns.
WIDE_COLUMNS = 48


def _sql_text(constant: str) -> str:
    """One of our own constants as a SQL string literal."""
    return "'" + constant.replace("'", "''") + "'"


def _source_sql(table: Any) -> str:
    """An Ibis table expression as a parenthesised DuckDB query (for the long-form profile queries)."""
    import ibis

    return "(" + ibis.to_sql(table, dialect="duckdb") + ")"


def _content_facts_long(
    con: duckdb.DuckDBPyConnection, source: str, columns: list[tuple[str, str]], duck: dict[str, _DuckType], *,
    approximate: bool,
) -> dict[str, _Facts]:
    """:func:`_content_facts` for a wide table: one query over all its cells in long form."""
    rows = _int(db.fetch_scalar(con, "SELECT count(*) FROM " + source))
    text = [db.quote_ident(name) + "::VARCHAR" for name, _ in columns]
    distinct = "approx_count_distinct(v)" if approximate else "count(DISTINCT v)"
    counts = db.per_column(
        con,
        db.long_form(source, text),
        ["count(v)", distinct, f"count(*) FILTER (WHERE regexp_matches(v, {_sql_text(EMAIL_PATTERN)}))",
         f"count(*) FILTER (WHERE regexp_matches(v, {_sql_text(PHONE_PATTERN)}))"],
        len(columns),
    )
    facts = {}
    for (name, kind), (values, different, emails, phones) in zip(columns, counts, strict=True):
        texty = kind == _TEXT and duck[name].is_string
        facts[name] = _Facts(rows=rows, values=_int(values), distinct=_int(different),
                             emails=_int(emails) if texty else 0, phones=_int(phones) if texty else 0)
    return facts


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _int(value: Any) -> int:
    """A count as an int; 0 for a missing one (``None``, NaN, ``pd.NA``, ``NaT``)."""
    if value is None:
        return 0
    try:
        return 0 if value != value else int(value)  # noqa: PLR0124 - NaN and NaT are not equal to themselves
    except (TypeError, ValueError):
        return 0


#: DuckDB's sampling clause for :data:`SAMPLE_METHOD` (``block``: whole row groups, ``row``: each row).
_SAMPLING = {"block": "system", "row": "bernoulli"}


def _samples(con: duckdb.DuckDBPyConnection, table: str) -> tuple[str, str]:
    """The table (twice) when small; else a repeatable block sample and the first rows as a fallback.

    Both as SQL sources (a quoted name, or a parenthesised query): the sample is the one Ibis's
    ``table.sample(ROLE_SAMPLE_ROWS / rows, method=SAMPLE_METHOD, seed=0)`` drew until issue 16
    (the same percentage, written the same way), so the suggested roles did not change.
    """
    source = db.quote_ident(table)
    rows = _int(db.fetch_scalar(con, "SELECT count(*) FROM " + source))
    if rows <= 2 * ROLE_SAMPLE_ROWS:
        return source, source
    percent = ROLE_SAMPLE_ROWS / rows * 100.0  # our own number, not user text
    sample = f"(SELECT * FROM {source} TABLESAMPLE {_SAMPLING[SAMPLE_METHOD]} ({percent!r} PERCENT) REPEATABLE (0))"
    return sample, f"(SELECT * FROM {source} LIMIT {int(ROLE_SAMPLE_ROWS)})"


def suggest_roles(con: duckdb.DuckDBPyConnection, *, table: str = TABLE, types: dict[str, str]) -> dict[str, str]:
    """Suggest a role for every column from its name and content.

    Parameters
    ----------
    con
        The workspace's DuckDB.
    table
        Table to look at (``customers``).
    types
        Column name -> segdash type (``number``, ``text``, ``date``, ``boolean``); columns not
        listed get the type of their DuckDB column.

    Returns
    -------
    dict
        Column name -> one of :data:`segdash.schema.ROLES`, in table order, without ``_row``.
        Content facts come from a sample of about 50,000 rows on bigger tables.
    """
    duck = _duck_types(con, table)
    sample, head = _samples(con, table)
    columns = _duck_columns(types, duck)
    if not columns:
        return {}
    approximate = sample != head  # a sampled big table: estimated distinct counts (less memory)
    facts = _content_facts(con, sample, columns, duck, approximate=approximate)
    if sample != head and not any(f.rows for f in facts.values()):
        # block sampling picked no block: use the first rows
        facts = _content_facts(con, head, columns, duck, approximate=approximate)
    _number_ranges(con, table, dict(columns), facts)
    known = {name: _table_role(role_words(name), kind, facts[name]) for name, kind in columns}
    # Columns no rule knows (numbers, yes/no, text): the fallback below may read them as behaviour.
    unknown = {name for name, kind in columns
               if known[name] is None and kind in (_NUMBER, _BOOLEAN, _TEXT) and not facts[name].constant}
    roles = {name: _role_for(role_words(name), kind, facts[name], known=known[name]) for name, kind in columns}
    roles = {name: _role_from_kind(name, kind, facts[name], roles[name], unknown=name in unknown)
             for name, kind in columns}
    _roles_from_values(con, table, dict(columns), facts, roles)
    _rating_batteries(dict(columns), facts, roles)
    unknown -= _model_outputs_stringing_names(roles)
    first, kind = columns[0]
    if roles[first] == "other" and _looks_like_an_id(con, sample, first, kind, duck[first], facts[first],
                                                     approximate=approximate):
        roles[first] = "id"
    _firmographic_revenue(dict(columns), roles)
    candidates = set(unknown)
    unknown = {name for name in unknown if roles[name] == "other"}
    _spend_per_category(dict(columns), facts, roles, unknown)
    _lead_types(con, head, dict(columns), roles, unknown)
    _price_paid(dict(columns), facts, roles, unknown)
    _unknown_measurements(con, table, dict(columns), facts, roles, unknown)
    _firmographic_attributes(dict(columns), facts, roles, candidates)
    return _costs_next_to_a_channel(roles, dict(columns))


#: A name of at least this many words that strings together other columns' names is a model's output.
_COMPOUND_WORDS = 8
#: ... when it holds this many other columns' names of two words or more.
_COMPOUND_NAMES = 3


def _model_outputs_stringing_names(roles: dict[str, str]) -> set[str]:
    """A very long name made of several other columns' names (``Naive_Bayes_Classifier_Attrition_Flag_
    Card_Category_Contacts_Count_12_mon_..._1``) is a model's output built from them: ``other``.
    Returns the columns so read."""
    words = {name: name_words(name) for name in roles}
    names = {w for w in words.values() if len(w) >= 2}
    found = set()
    for name, own in words.items():
        if len(own) < _COMPOUND_WORDS or roles[name] in ("id", "pii"):
            continue
        inside = {g for g in _grams(own) if g in names and g != own}
        if len(inside) >= _COMPOUND_NAMES:
            roles[name] = "other"
            found.add(name)
    return found


# -- kinds of column the role table cannot tell from words alone (issue 16, hold-out set B) ------
#
# Each takes the table's suggestion and the column's content facts and may correct it. They read
# only the facts already collected (:class:`_Facts`), except :func:`_roles_from_values`, which runs
# one small extra query when a column could hold dates written as numbers, free text or web addresses.

#: Period words as written in a name (singular: ``Enrollment_Month`` is a part of a date,
#: ``tenure_months`` a duration) -> the range of that part.
_PERIOD_PARTS: dict[str, tuple[str, int, int]] = {
    "year": ("year", 1900, 2100), "yr": ("year", 1900, 2100), "month": ("month", 1, 12),
    "mo": ("month", 1, 12), "mon": ("month", 1, 12), "mth": ("month", 1, 12), "quarter": ("quarter", 1, 4),
    "qtr": ("quarter", 1, 4), "week": ("week", 1, 53), "wk": ("week", 1, 53), "day": ("day", 1, 31),
}
#: Events in a customer's life whose year or month a column may hold (``Enrollment_Year``,
#: ``Cancellation_Month``, ``signup_year``, ``join_yr``, ``cohort_month``), as written (abbreviations
#: written out, plurals kept: a plural counts things).
_EVENT_WORDS = frozenset({
    "enrollment", "enroll", "enrolled", "signup", "sign", "signed", "join", "joined", "joining", "registration",
    "registered", "register", "cancellation", "cancelled", "canceled", "cancel", "churn", "churned", "start",
    "started", "end", "ended", "open", "opened", "opening", "close", "closed", "closing", "acquisition", "acquired",
    "activation", "activated", "termination", "terminated", "renewal", "renewed", "expiry", "expiration",
    "expired", "subscription", "subscribed", "onboarding", "onboarded", "conversion", "converted", "install",
    "installed", "creation", "created", "cohort", "inception", "lapse", "lapsed", "exit", "exited", "attrition",
    "first", "membership", "date", "arrival", "departure", "booking", "booked", "reservation", "checkin", "order",
    "purchase", "transaction", "invoice", "sale", "payment",
})
#: Words that make a period a duration or a count, not a part of a date (``Month_to_end_contract``,
#: ``months_since_signup``, ``tenure_months``, ``account_age_years``).
_DURATION_WORDS = frozenset({
    "to", "since", "until", "till", "left", "remaining", "remain", "ago", "in", "for", "from", "tenure", "length",
    "duration", "count", "total", "number", "average", "per", "age", "spent", "active", "inactive", "before",
    "after", "between", "elapsed", "old", "lifetime", "value", "amount", "last",
})


def _event_date_part(name: str, facts: _Facts) -> bool:
    """Whether a number column holds the year, month, quarter, week or day of an event in the
    customer's life (``Enrollment_Year`` 2012-2018, ``Cancellation_Month`` 0-12 with 0 = not yet,
    ``join_yr``): a part of a date, neither an amount nor a code.

    The name has one singular period word and an event word (:data:`_EVENT_WORDS`), no word of a
    duration (:data:`_DURATION_WORDS`), and every value lies in the period's range (0 allowed for
    "has not happened").
    """
    if facts.low is None or facts.high is None or facts.values == 0:
        return False
    raw = name_words(name)
    written = {ABBREVIATIONS.get(w, w) for w in raw}  # not made singular: ``Purchases_Month`` counts purchases
    parts = {_PERIOD_PARTS[w] for w in raw if w in _PERIOD_PARTS}
    if (len(parts) != 1 or written.isdisjoint(_EVENT_WORDS)
            or not (written | set(role_words(name))).isdisjoint(_DURATION_WORDS)):
        return False
    _, first, last = next(iter(parts))
    return first <= facts.high <= last and (facts.low >= first or facts.low == 0)


#: Name words of a moment in time: a number column so named, holding seconds or milliseconds since
#: 1970 in a plausible range (1990-2100), is a date (``created_at`` 1714557600, ``event_ts``).
_TIME_NAME_WORDS = frozenset({"time", "timestamp", "ts", "epoch", "date", "dt", "datetime", "created", "updated",
                              "modified", "unix", "when"})
_EPOCH_SECONDS = (631_152_000, 4_102_444_800)  # 1990-01-01 .. 2100-01-01


def _epoch_like(name: str, facts: _Facts) -> bool:
    """Whether a number column named like a moment holds Unix times (seconds or milliseconds)."""
    if facts.low is None or facts.high is None or facts.values == 0:
        return False
    raw = name_words(name)
    if set(role_words(name)).isdisjoint(_TIME_NAME_WORDS) and raw[-1:] != ("at",):
        return False
    first, last = _EPOCH_SECONDS
    return any(first * scale <= facts.low and facts.high < last * scale for scale in (1, 1000))


#: A 0/1 or yes/no column named after one value of a category takes that category's role
#: (``Male`` 0/1, ``is_female``, ``Urban``, ``is_premium``), as :func:`role_words` reads the value.
_CATEGORY_FLAGS: dict[str, str] = {
    **dict.fromkeys(
        ["male", "female", "man", "woman", "men", "women", "married", "single", "divorced", "widowed", "widow",
         "separated", "retired", "student", "employed", "unemployed", "self employed", "parent", "homeowner",
         "home owner", "renter", "veteran", "disabled", "pensioner"],
        "demographic"),
    **dict.fromkeys(["urban", "rural", "suburban", "metro", "metropolitan"], "geographic"),
    **dict.fromkeys(["premium", "vip", "member", "subscriber", "subscribed", "paid", "paying", "free", "repeat",
                     "returning", "loyal", "trial", "smoker", "non smoker", "nonsmoker"], "behavioral"),
}
#: Words of a name that only say "this is a yes/no column" (``is_female_flag``, ``Male_YN``).
_FLAG_FILLER = frozenset({"is", "flag", "flg", "yn", "indicator", "ind", "dummy", "binary", "bin", "bool",
                          "boolean", "0", "1", "01", "y", "n"})
#: A yes/no column whose name starts with one of these (``is_active``, ``has_app``, ``is_canceled``) says
#: what the customer is, has or does: behavioral, when no word of the role table says otherwise (a
#: consent such as ``opted_in`` or ``email_opt_in`` stays ``other``).
_FLAG_VERBS = frozenset({"is", "has", "have", "had", "was", "were", "did", "does", "uses", "used", "ever", "owns"})


def _flag_role(name: str, kind: str, facts: _Facts) -> str | None:
    """The role of a yes/no column (boolean, 0/1, or two values) whose name the role table does not know."""
    if kind == _DATE or facts.values == 0 or not facts.fits("flag"):
        return None
    raw = name_words(name)
    value = " ".join(_normal(w) for w in raw if w not in _FLAG_FILLER)
    if value in _CATEGORY_FLAGS:
        return _CATEGORY_FLAGS[value]
    if len(raw) > 1 and raw[0] in _FLAG_VERBS:
        return "behavioral"
    return None


def _role_from_kind(name: str, kind: str, facts: _Facts, role: str, *, unknown: bool = True) -> str:
    """Correct the role table's suggestion for the kinds of column it cannot tell from words alone:
    a year or month of an event (``date``), Unix times (read as a date column), and yes/no columns that
    no rule knows (``unknown``) named after a category's value or a verb (:func:`_flag_role`)."""
    if role in ("id", "pii") or facts.constant:
        return role
    if kind == _NUMBER and _event_date_part(name, facts):
        return "date"
    if kind == _NUMBER and _epoch_like(name, facts):
        return _role_for(role_words(name), _DATE, facts)
    if role == "other" and unknown:
        return _flag_role(name, kind, facts) or role
    return role


#: A wide table's facts (:func:`_content_facts_long`) have no smallest and largest values; up to this
#: many number columns get them from :func:`_number_ranges`.
_RANGE_COLUMNS = 500


def _number_ranges(
    con: duckdb.DuckDBPyConnection, table: str, kinds: dict[str, str], facts: dict[str, _Facts]
) -> None:
    """Smallest and largest values of the number columns whose facts lack them (a table of more than
    :data:`WIDE_COLUMNS` columns), from one query of ``min``/``max`` over the first
    :data:`ROLE_SAMPLE_ROWS` rows, so that the content rules (money or rating, event years, dates
    written as numbers, yes/no 0/1) apply to wide files too. A separate statistic, not part of
    :func:`_content_facts`."""
    names = [n for n, k in kinds.items() if k == _NUMBER and facts[n].values and facts[n].low is None]
    if not names or len(names) > _RANGE_COLUMNS:
        return
    metrics = []
    for name in names:
        x = f"TRY_CAST({db.quote_ident(name)} AS DOUBLE)"
        metrics += [f"min({x})", f"max({x})"]
    picked = ", ".join(db.quote_ident(n) for n in names)
    row = db.fetch_all(con, f"SELECT {', '.join(metrics)} FROM (SELECT {picked} FROM {db.quote_ident(table)} "
                            f"LIMIT {ROLE_SAMPLE_ROWS})")[0]
    for index, name in enumerate(names):
        facts[name].low, facts[name].high = _float(row[2 * index]), _float(row[2 * index + 1])


#: Dates written as whole numbers ``yyyymmdd`` (KKBox ``registration_init_time`` 20161118).
_YYYYMMDD = (19_000_101, 21_001_231)
#: Share of a column's values that must read as ``yyyymmdd`` dates.
_DATE_SHARE = 0.9
#: Web addresses (``http://www.example.com/``, ``www.example.com``, ``example.co.uk``).
URL_PATTERN = (r"^(https?://|www\.)\S+$|^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)*"
               r"\.(com|net|org|io|co|biz|info|edu|gov|me|app|ai|dev|uk|de|fr|es|it|nl|au|ca|in|jp|br|ch|se|us)(/\S*)?$")
#: Free text: nearly every value different, at least this many words and characters on average.
_FREE_TEXT_WORDS, _FREE_TEXT_CHARS, _FREE_TEXT_DISTINCT = 2.5, 20.0, 0.9
#: Roles a name word gives that free text cannot have (``Ad Topic Line`` is not a phone line).
_NOT_FREE_TEXT = frozenset({"behavioral", "service_channel"})
#: At most this many columns of each kind are looked at (a file with thousands of columns).
_VALUE_CHECKS = 200
#: Roles a name word gives that a column of web addresses cannot have (``Website`` is not a visit).
_NOT_URLS = frozenset({"behavioral", "service_channel", "psychographic"})


def _roles_from_values(
    con: duckdb.DuckDBPyConnection, table: str, kinds: dict[str, str], facts: dict[str, _Facts],
    roles: dict[str, str],
) -> None:
    """Correct roles that only the values show, with one query over the first :data:`ROLE_SAMPLE_ROWS` rows,
    run only when some column could be such a kind:

    - whole numbers that are all valid ``yyyymmdd`` dates are read as a date column;
    - a text column of web addresses, or of free text (nearly every value different, several words),
      is ``other``, whatever word of its name suggested behaviour (``Website``, ``Ad Topic Line``).

    This is the only step that needs statistics beyond :func:`_content_facts`: the share of valid
    ``yyyymmdd`` values, the average length and word count of text, and the share of web addresses.
    """
    dates, texts = [], []
    for name, kind in kinds.items():
        f = facts[name]
        if roles[name] in ("id", "pii") or f.constant or f.values == 0:
            continue
        if (kind == _NUMBER and f.low is not None and f.high is not None and f.low >= 0
                and _YYYYMMDD[0] <= f.high <= _YYYYMMDD[1]):
            dates.append(name)
        elif kind == _TEXT and roles[name] in _NOT_URLS and f.values >= 5 and f.distinct * 2 >= f.values:
            texts.append(name)
    dates, texts = dates[:_VALUE_CHECKS], texts[:_VALUE_CHECKS]  # a wide file: one query stays small
    if not dates and not texts:
        return
    metrics = []
    for name in dates:
        x = f"TRY_CAST({db.quote_ident(name)} AS DOUBLE)"
        metrics += [f"count({x})", f"count(*) FILTER (WHERE {x} = floor({x}) AND "
                                   f"try_strptime(CAST(CAST({x} AS BIGINT) AS VARCHAR), '%Y%m%d') IS NOT NULL)"]
    for name in texts:
        x = f"CAST({db.quote_ident(name)} AS VARCHAR)"
        metrics += [f"count({x})", f"avg(length({x}))", f"avg(array_length(regexp_split_to_array(trim({x}), '\\s+')))",
                    f"count(*) FILTER (WHERE regexp_matches({x}, {_sql_text(URL_PATTERN)}))"]
    picked = ", ".join(db.quote_ident(n) for n in dates + texts)
    sql = (f"SELECT {', '.join(metrics)} FROM (SELECT {picked} FROM {db.quote_ident(table)} "
           f"LIMIT {ROLE_SAMPLE_ROWS})")
    row = list(db.fetch_all(con, sql)[0])
    for name in dates:
        values, valid = _int(row.pop(0)), _int(row.pop(0))
        if values >= 3 and valid >= _DATE_SHARE * values:
            roles[name] = _role_for(role_words(name), _DATE, facts[name])
    for name in texts:
        values, chars, words, urls = _int(row.pop(0)), _float(row.pop(0)), _float(row.pop(0)), _int(row.pop(0))
        f = facts[name]
        web = values > 0 and urls * 2 >= values
        free_text = (roles[name] in _NOT_FREE_TEXT and f.distinct >= _FREE_TEXT_DISTINCT * f.values
                     and (words or 0) >= _FREE_TEXT_WORDS and (chars or 0) >= _FREE_TEXT_CHARS)
        if web or free_text:
            roles[name] = "other"


#: A survey's battery of ratings: at least this many number columns on the same small scale
#: (0/1 to 5, 7 or 10) in one file (an airline survey's ``Seat comfort``, ``Baggage handling``,
#: ``Inflight wifi service``, ``Gate location``, all 0-5).
_BATTERY_COLUMNS = 5
_BATTERY_SCALES = frozenset({5, 7, 10})
#: Names that measure behaviour or people, never a rating, even on a 0-5 scale.
_NOT_RATING_WORDS = frozenset({
    "count", "number", "frequency", "time", "visit", "order", "purchase", "day", "week", "month", "year", "hour",
    "minute", "age", "size", "tenure", "quantity", "amount", "price", "spend", "spent", "total", "sum", "call",
    "login", "session", "click", "children", "child", "kid", "kidhome", "teenhome", "dependent", "people",
    "person", "household", "family", "member", "product", "card", "accepted", "complain", "delay", "tier",
})
#: Roles a word of a rating's name may have given that a battery of ratings overrides.
_BATTERY_OVERRIDES = frozenset({"other", "behavioral", "geographic", "service_channel"})


def _rating_batteries(kinds: dict[str, str], facts: dict[str, _Facts], roles: dict[str, str]) -> None:
    """Number columns of a survey's battery of ratings are opinions (``psychographic``), whatever a word
    of their name suggested (``Inflight wifi service``, ``Gate location``, ``Food and drink``): at least
    :data:`_BATTERY_COLUMNS` columns share a scale from 0 or 1 to 5, 7 or 10 with few values, and the
    name measures no behaviour (:data:`_NOT_RATING_WORDS`)."""
    scales: dict[float, list[str]] = {}
    for name, kind in kinds.items():
        f = facts[name]
        if (kind == _NUMBER and f.low is not None and f.high is not None and f.low in (0, 1)
                and f.high in _BATTERY_SCALES and 2 <= f.distinct <= f.high + 1):
            scales.setdefault(f.high, []).append(name)
    for members in scales.values():
        if len(members) < _BATTERY_COLUMNS:
            continue
        for name in members:
            if roles[name] in _BATTERY_OVERRIDES and _NOT_RATING_WORDS.isdisjoint(role_words(name)):
                roles[name] = "psychographic"


#: A first column named like a period (``Year``, ``Month``) counts time, not customers.
_TIME_WORDS = frozenset({"year", "month", "week", "day", "date", "hour", "time", "period", "quarter"})
#: An identifier written as a code: letters, digits and separators, at least one digit, no spaces.
CODE_PATTERN = r"^[A-Za-z]{0,6}[-_/#.]?[0-9][A-Za-z0-9\-_/#.]*$"


def _looks_like_an_id(con: duckdb.DuckDBPyConnection, sample: str, name: str, kind: str, dtype: _DuckType,
                      facts: _Facts, *, approximate: bool) -> bool:
    """Whether the first column, whose name says nothing, holds an identifier: every value different
    (nearly every one on a sampled big table), whole numbers from 0 up or codes like ``C-1042``."""
    if facts.values < 2 or facts.values < 0.98 * facts.rows or _TIME_WORDS & set(role_words(name)):
        return False
    if facts.distinct < (0.97 * facts.values if approximate else facts.values):
        return False
    if kind == _NUMBER and dtype.is_numeric:
        return dtype.is_integer and (facts.low is None or facts.low >= 0)
    if kind == _TEXT and dtype.is_string:
        codes = _int(db.fetch_scalar(con, "SELECT " + _matches(db.quote_ident(name), CODE_PATTERN) + " FROM " + sample))
        return codes >= facts.values
    return False


#: Firmographic words: a table of business customers describes each company by its industry, size and age.
_FIRMOGRAPHIC_WORDS = frozenset({"industry", "sector", "employee", "headcount", "established", "founded",
                                 "incorporated", "firmographic", "business", "vertical", "catalog", "catalogue"})
#: A company's own yearly revenue (``Revenue``, ``AnnualRevenue``, ``Annual Turnover``): only these words.
_COMPANY_REVENUE_WORDS = frozenset({"revenue", "turnover", "annual", "yearly", "company", "firm", "business",
                                    "organization", "organisation", "usd", "eur", "gbp", "m", "mn", "million", "k",
                                    "in", "of"})
#: At least this many firmographic columns make a table one of business customers.
_FIRMOGRAPHIC_COLUMNS = 2


def _firmographic_table(roles: dict[str, str]) -> bool:
    """Whether a table's rows are business customers: at least :data:`_FIRMOGRAPHIC_COLUMNS` demographic
    columns on industry, business type or segment, employees, catalogue size or founding year."""
    firmographic = sum(1 for name, role in roles.items()
                       if role == "demographic" and not _FIRMOGRAPHIC_WORDS.isdisjoint(role_words(name)))
    return firmographic >= _FIRMOGRAPHIC_COLUMNS


def _firmographic_revenue(kinds: dict[str, str], roles: dict[str, str]) -> None:
    """In a table of business customers (:func:`_firmographic_table`: a CRM's accounts), a number column
    named only the company's revenue or turnover (``Revenue``, ``AnnualRevenue``) is the size of the client's
    business, as income is a person's: ``demographic``, not money the client brings in."""
    if not _firmographic_table(roles):
        return
    for name, role in roles.items():
        words = set(role_words(name))
        if (role == "revenue" and kinds.get(name) == _NUMBER and words <= _COMPANY_REVENUE_WORDS
                and words & {"revenue", "turnover"}):
            roles[name] = "demographic"


#: Words of a cost that is not a marketing cost (shipping, the goods, claims paid out).
_NOT_MARKETING_COST = frozenset({
    "shipping", "delivery", "freight", "product", "products", "unit", "item", "items", "goods", "claim", "claims",
    "service", "operating", "production", "repair", "repairs", "maintenance", "tax", "taxes",
})


def _costs_next_to_a_channel(roles: dict[str, str], kinds: dict[str, str]) -> dict[str, str]:
    """Number columns named like a cost (``cost``, ``total_cost``, ``budget``) become acquisition cost
    when the table also says how each customer was acquired: a cost next to an acquisition channel is
    what the channel cost, so ROI finds it without the role table being touched."""
    if "acquisition_channel" not in roles.values():
        return roles
    for name, role in roles.items():
        words = set(name_words(name))
        if (kinds.get(name) == _NUMBER and role not in ("id", "pii", "acquisition_cost")
                and words & {"cost", "costs", "budget"} and not words & _NOT_MARKETING_COST):
            roles[name] = "acquisition_cost"
    return roles


# -- what "other" means, and the columns no rule knows (issue 16, set C) ------------------------
#
# ``other`` is for columns that do not describe the customer in a way segmenting should use by
# default: row numbers and unnamed or placeholder columns, identifiers of something else (a store, a
# policy number), consent and contact permissions, constants, free text and web addresses, model
# outputs, the description of a campaign or a product, a bare period (``Year``, ``month``), and codes
# whose name does not say what they stand for. Every other number or yes/no column that no rule knows
# is read as behaviour (:func:`_unknown_measurements`): in a customer file, a measurement of the
# customer that is neither who they are nor where they live is most often something they did or have
# (miles flown, products held, an amount of a product bought). Since set D the same holds for a text
# category (a few values that repeat, mostly filled in): ``Purpose``, ``RoomTaken``, ``CourseCategory``,
# ``Saving accounts`` describe what the customer chose or holds; a name that says a preference is a taste
# (psychographic). Behavioral columns are default
# clustering features (:data:`segdash.segment.DEFAULT_FEATURE_ROLES`), so the fallback leaves out
# everything that would make a clustering worse: an index or a code as a number feature never is one.

#: Goods a shop sells, by category (a wholesale client's ``Fresh``, ``Milk``, ``Grocery``, ``Frozen``;
#: ``Wines``, ``Fruits``, ``Meat``): a number column so named, holding amounts, in a run of such
#: columns, is what the customer spent on that category.
_PRODUCT_CATEGORY_WORDS = frozenset({
    "fresh", "milk", "dairy", "cheese", "grocery", "groceries", "frozen", "detergent", "paper", "deli",
    "delicatessen", "bakery", "bread", "pastry", "meat", "fish", "seafood", "fruit", "vegetable", "veg", "produce",
    "wine", "beer", "spirit", "liquor", "alcohol", "beverage", "drink", "snack", "sweet", "candy", "confectionery",
    "chocolate", "coffee", "tea", "gold", "jewelry", "jewellery", "electronics", "clothing", "clothes", "apparel",
    "fashion", "shoe", "footwear", "toy", "book", "music", "furniture", "garden", "beauty", "cosmetic", "toiletry",
    "toiletries", "household", "cleaning", "pet", "stationery", "appliance", "kitchen", "sport", "sporting", "outdoor",
    "accessory", "accessories", "handbag", "perfume", "fragrance", "pharmacy", "health", "baby", "organic",
})
#: Spend per category: at least this many such columns side by side ...
_CATEGORY_RUN = 3
#: ... holding amounts: non-negative, and at least this large somewhere (a count of items is smaller).
_CATEGORY_AMOUNT = 100


def _spend_per_category(kinds: dict[str, str], facts: dict[str, _Facts], roles: dict[str, str],
                        unknown: set[str]) -> None:
    """A run of side-by-side number columns that no rule knows, hold amounts (from 0 up, not a 0-10
    scale, at least :data:`_CATEGORY_AMOUNT` somewhere), and are mostly named after goods
    (:data:`_PRODUCT_CATEGORY_WORDS`; at least :data:`_CATEGORY_RUN` of them) is a file's spend per
    product category: each column of the run is ``revenue`` (so RFM can sum them as money). Columns
    of a spend file are written together, so an unknown amount inside the run (a misspelt category)
    joins it."""
    runs: list[list[str]] = [[]]
    for name, kind in kinds.items():
        f = facts[name]
        amount = (kind == _NUMBER and name in unknown and f.low is not None and f.high is not None
                  and f.low >= 0 and f.high >= _CATEGORY_AMOUNT and f.fits("money"))
        if amount:
            runs[-1].append(name)
        elif runs[-1]:
            runs.append([])
    for run in runs:
        goods = [n for n in run if _names_goods(n)]
        if len(goods) >= _CATEGORY_RUN and 2 * len(goods) > len(run):
            for name in run:
                roles[name] = "revenue"
                unknown.discard(name)


def _names_goods(name: str) -> bool:
    """Whether every word of a name (numbers and fillers aside) is a category of goods."""
    words = [w for w in role_words(name) if not w.isdigit() and w not in ("and", "of", "amount", "product")]
    return bool(words) and all(w in _PRODUCT_CATEGORY_WORDS or _stem(w) in _PRODUCT_CATEGORY_WORDS for w in words)


#: Words in the values of a lead's type that say how the lead came in (Inbound, Outbound, Partner referral,
#: Self Enquiry, Cold call, Trade show): then ``lead_type`` is the acquisition channel.
_CHANNEL_VALUE_WORDS = frozenset({
    "inbound", "outbound", "referral", "referred", "referrer", "partner", "partners", "organic", "paid", "search",
    "social", "email", "mail", "web", "website", "event", "events", "webinar", "cold", "call", "calls", "ads", "ad",
    "advert", "advertising", "affiliate", "direct", "display", "campaign", "self", "enquiry", "inquiry", "invited",
    "walk", "trade", "show", "seo", "sem", "ppc", "word", "mouth", "newsletter", "facebook", "google", "linkedin",
    "instagram", "tiktok", "youtube", "marketing", "sales", "form", "chat", "telemarketing", "door", "conference",
})
#: Distinct values read to decide a lead's type.
_LEAD_VALUES = 50


def _lead_types(con: duckdb.DuckDBPyConnection, head: str, kinds: dict[str, str], roles: dict[str, str],
                unknown: set[str]) -> None:
    """A text column named a lead's type or category (``lead_type``), that no rule knows, is the acquisition
    channel when at least half of its values say how a lead comes in (:data:`_CHANNEL_VALUE_WORDS`: Inbound,
    Outbound, Partner). Otherwise it says what kind of lead it is (Olist's sellers: ``online_big``,
    ``offline``, ``industry``), and the fallback decides (a firmographic in a table of businesses)."""
    for name in [n for n in kinds if n in unknown and kinds[n] == _TEXT]:
        words = set(role_words(name))
        if "lead" not in words or words.isdisjoint({"type", "category", "kind", "class", "typ"}):
            continue
        rows = db.fetch_all(con, f"SELECT DISTINCT lower(CAST({db.quote_ident(name)} AS VARCHAR)) FROM {head} "
                                 f"WHERE {db.quote_ident(name)} IS NOT NULL LIMIT {_LEAD_VALUES}")
        values = [str(r[0]) for r in rows if r[0] is not None and str(r[0]).strip()]
        channel = [v for v in values if not _CHANNEL_VALUE_WORDS.isdisjoint(re.split(r"[^a-z0-9]+", v))]
        if values and 2 * len(channel) >= len(values):
            roles[name] = "acquisition_channel"
            unknown.discard(name)


#: Words of a transaction's key (``invoice_no``, ``transaction_id``, ``order_id``): a table with one is a
#: list of purchases, so a bare ``price`` there is what the customer paid.
_TRANSACTION_WORDS = frozenset({"invoice", "transaction", "receipt", "order", "basket", "bill"})
_KEY_WORDS = frozenset({"id", "no", "number", "nr", "num", "key", "ref", "code"})
#: Words a price paid may carry beside ``price`` (``sale_price``, ``price_paid``, ``Price (TL)``).
_PRICE_PAID_WORDS = frozenset({
    "price", "prices", "paid", "sale", "selling", "sold", "purchase", "final", "net", "gross", "total", "amount",
    "usd", "eur", "gbp", "tl", "try", "inr", "rs", "rupees", "dollars", "euros", "in",
})


def _price_paid(kinds: dict[str, str], facts: dict[str, _Facts], roles: dict[str, str], unknown: set[str]) -> None:
    """In a table of purchases (a column is a transaction's key: ``invoice_no``, ``transaction_id``), a
    number column no rule knows, named a bare price (``price``, ``sale_price``, ``price_paid``) and holding
    amounts, is what the customer paid: ``revenue``. A unit, list or average price (``UnitPrice``) describes
    the product and stays ``other``; so does a bare ``price`` outside a table of purchases (a plan's price),
    which the fallback reads as behaviour."""
    keyed = any(not words.isdisjoint(_TRANSACTION_WORDS) and not words.isdisjoint(_KEY_WORDS)
                for words in (set(name_words(n)) for n in kinds))
    if not keyed:
        return
    for name in [n for n in kinds if n in unknown and kinds[n] == _NUMBER]:
        words, f = set(role_words(name)) | set(name_words(name)), facts[name]
        if ("price" in words and words <= _PRICE_PAID_WORDS and f.low is not None and f.low >= 0
                and f.fits("money")):
            roles[name] = "revenue"
            unknown.discard(name)


#: Words of "what kind of": a text category so named, in a table of businesses, is the kind of business.
_KIND_WORDS = frozenset({"type", "kind", "category", "class", "form", "model", "size"})


def _firmographic_attributes(kinds: dict[str, str], facts: dict[str, _Facts], roles: dict[str, str],
                             candidates: set[str]) -> None:
    """In a table of business customers (:func:`_firmographic_table`), a text category named a kind of
    something (:data:`_KIND_WORDS`: ``lead_type`` online_big/offline/industry) or a yes/no (``has_company``,
    ``has_gtin``) that no rule knows and the last steps read as behaviour describes the company: a
    firmographic, ``demographic``. Numbers stay behaviour, and so do other text categories (a pipeline
    ``Stage``, an account ``Health``) and a yes/no named after a known status (``is_trial``, ``premium``)."""
    if not _firmographic_table(roles):
        return
    for name in candidates:
        if roles.get(name) != "behavioral":
            continue
        kind, f = kinds[name], facts[name]
        if (kind == _TEXT and not _KIND_WORDS.isdisjoint(role_words(name))) or kind == _BOOLEAN or (
                kind == _NUMBER and f.fits("flag")):
            value = " ".join(_normal(w) for w in name_words(name) if w not in _FLAG_FILLER and w not in _FLAG_VERBS)
            if value not in _CATEGORY_FLAGS:
                roles[name] = "demographic"


#: Placeholder names that say nothing (``Column 3`` for a blank header, ``Unnamed: 0``, ``V1``, ``X``,
#: ``feature_7``, ``Q2``): what such a column measures is unknown, so it is never a default feature.
_PLACEHOLDER_NAME = re.compile(
    r"^\s*(?:(?:column|col|unnamed|field|var|variable|feature|feat|attr|attribute|index|idx|x)?[\s_:.#-]*\d*"
    r"|(?:v|f|c|q|level|item|row)[\s_:.#-]*\d+)\s*$",
    re.IGNORECASE,
)
#: Words of an identifier of something else (``store_id`` that repeats, ``Policy Number``, ``ref``),
#: of row bookkeeping and of technical fields: not a measurement of the customer.
_BOOKKEEPING_WORDS = frozenset({
    "id", "code", "key", "ref", "reference", "number", "uuid", "guid", "hash", "checksum", "index", "idx", "serial",
    "sequence", "seq", "row", "rownum", "rowid", "record", "version", "batch", "etl", "load", "import", "export",
    "file", "fold", "split", "partition", "seed", "random", "rand", "unnamed", "dummy", "placeholder", "sku",
    "stock", "unit", "msrp", "experiment", "variant", "treatment", "control", "ab",
    # technical fields of a file or a system (``Encoding``, ``hostname``)
    "encoding", "charset", "mime", "protocol", "hostname", "server", "debug", "environment",
})
#: Another party a number column may name (hotel bookings' ``agent`` 1-535, ``company``): a name made only
#: of these holds that party's number, not a measurement of the customer.
_ENTITY_WORDS = frozenset({
    "agent", "company", "branch", "store", "shop", "outlet", "office", "dealer", "vendor", "supplier", "warehouse",
    "salesperson", "rep", "representative", "advisor", "broker", "merchant", "partner", "affiliate",
})
#: People of the company a customer is assigned to (``Assigned_Rep``, ``Account_Manager``, ``agent_name``):
#: the company's choice, not the customer's behaviour, so an unknown column so named stays ``other``.
_STAFF_WORDS = frozenset({
    "agent", "rep", "representative", "advisor", "adviser", "salesperson", "salesman", "broker",
    "manager", "consultant", "handler", "owner", "officer", "banker", "planner", "staff", "employee",
})
#: Words of a consent or a marketing permission (``email_opt_in``, ``accepts_marketing``, ``gdpr_consent``,
#: ``do_not_call``): whether the customer may be contacted, not what they did.
_CONSENT_WORDS = frozenset({
    "consent", "consented", "permission", "permissions", "opt", "optin", "optout", "opted", "gdpr", "dnc",
    "marketing", "agree", "agreed", "agreement", "terms", "allow", "allowed", "allows", "robinson",
})
#: Contact points: a yes/no named after one (``Phone`` 0/1, ``email_ok``) says whether the customer can be
#: reached there, like a consent.
_CONTACT_WORDS = frozenset({
    "email", "mail", "phone", "telephone", "tel", "mobile", "sms", "text", "post", "postal", "address", "contact",
    "fax", "whatsapp", "push", "newsletter", "call", "calls",
})
#: Words of a bare period: a column named only by these (``Year``, ``month``, ``day``, ``Weekday``) is a
#: part of some date the name does not give, not a measurement.
_PERIOD_WORDS = frozenset({
    "year", "month", "week", "day", "hour", "minute", "second", "quarter", "weekday", "dow", "doy", "date", "time",
    "period", "season", "yyyy", "yy", "mm", "dd", "of", "the", "in", "and",
})
#: Codes whose name does not say what they stand for: whole numbers from 0 up to this, 3 or more of them
#: (``Channel`` 1-2 is yes/no-like; a 1-5 code of unknown meaning could be a category, not an amount).
_SMALL_CODE_MAX = 20
#: Up to this many columns are looked at by the fallback's one query (wider files: they stay ``other``).
_FALLBACK_COLUMNS = 500


#: Words of a taste (``PreferredPropertyStar``, ``favourite_genre``, ``PreferedCuisine``): a column no rule
#: knows that a preference names is ``psychographic``. (Preferred payment method, device or category are
#: behaviour by the role table, before this.)
_PREFERENCE_WORDS = frozenset({
    "preferred", "prefered", "preference", "preferences", "prefers", "prefer", "favourite", "favorite", "favourites",
    "favorites", "fav", "fave", "liked", "likes", "desired", "ideal", "wished", "dream",
})
#: A genre or a taste (``GameGenre``, ``music_genres``): what kind of thing the customer likes to play, hear or
#: watch, a taste like a preference (``Genre`` alone with a gender's few values is Mall customers' gender:
#: the role table's ``^genre`` line, before this).
_TASTE_WORDS = frozenset({"genre", "genres", "taste", "tastes"})
#: ... but a "preferred customer" or "preferred member" is a status the company gives: not a taste.
_PREFERRED_STATUS = frozenset({"customer", "member", "client", "status", "account", "partner", "supplier", "vendor",
                               "tier", "stock", "share", "shareholder", "guest", "buyer"})
#: Words of something the company does to the customer (``Renew Offer Type``, ``Offer``, ``campaign_variant``):
#: not the customer's behaviour, so an unknown text column so named stays ``other``.
_MARKETING_ACTION_WORDS = frozenset({
    "offer", "offers", "offered", "campaign", "campaigns", "creative", "mailing", "pitch", "pitched", "script",
    "template", "treatment", "experiment", "cohort", "arm",
})
#: Words of a label the company gave, maybe an earlier segmentation (``Segment``, ``Cluster`` 1/2, ``tags``):
#: clustering on it would only repeat it, so an unknown column so named (of any type) stays ``other``.
_LABEL_WORDS = frozenset({"segment", "segments", "cluster", "clusters", "label", "labels", "tag", "tags"})


def _text_category(facts: _Facts, words: set[str]) -> bool:
    """Whether an unknown text column is a category a marketer segments by: from 2 to
    :data:`_TEXT_CATEGORIES` different values that repeat (on average at least twice), at most half of the
    customers blank, and no word of a marketing action (:data:`_MARKETING_ACTION_WORDS`). Free text, lists of
    names, e-mails or codes (every value different), mostly blank columns and offers stay ``other``."""
    return (2 <= facts.distinct <= _TEXT_CATEGORIES and facts.distinct * 2 <= facts.values
            and facts.values * 2 >= facts.rows and words.isdisjoint(_MARKETING_ACTION_WORDS))


#: An unknown text column with more different values than this is no category (as
#: :data:`segdash.segment.MAX_FEATURE_CATEGORIES`: more is free text or a code list).
_TEXT_CATEGORIES = 30


def _date_part_name(raw: set[str]) -> bool:
    """Whether a name's words (as written) name a part of a date: a date word (``arrival_date_day_of_month``,
    ``signup_dt_weekday``) or a singular period of a longer one (``day of month``, ``week of year``)."""
    return not raw.isdisjoint({"date", "dt", "weekday", "dow", "doy"}) or (
        "of" in raw and not raw.isdisjoint({"day", "week", "month", "quarter", "year", "hour"}))


def _unknown_measurements(
    con: duckdb.DuckDBPyConnection, table: str, kinds: dict[str, str], facts: dict[str, _Facts],
    roles: dict[str, str], unknown: set[str],
) -> None:
    """The last step: a number, yes/no or text column that no rule knows (``unknown``, still ``other``) is
    ``behavioral`` (``psychographic`` when its name says a preference: :data:`_PREFERENCE_WORDS`), unless it
    is one of the kinds ``other`` stands for (see the comment above):

    - a placeholder name (:data:`_PLACEHOLDER_NAME`), or a word of an identifier, of bookkeeping or a
      technical field (:data:`_BOOKKEEPING_WORDS`), or of a consent (:data:`_CONSENT_WORDS`), or a name
      made only of another party (:data:`_ENTITY_WORDS`: ``agent``, ``company``);
    - a name with a word of the company's staff (:data:`_STAFF_WORDS`: ``Assigned_Rep``) or of a label it
      gave (:data:`_LABEL_WORDS`: ``Segment``, ``Cluster``);
    - a yes/no or a text column named after a contact point (:data:`_CONTACT_WORDS`: ``Phone`` 0/1,
      ``phone_type``);
    - text that is no category (:func:`_text_category`): free text, names or codes, mostly blank, an offer
      or a label the company gave (:data:`_MARKETING_ACTION_WORDS`);
    - a bare period (:data:`_PERIOD_WORDS`: ``Year``, ``day``) or a part of a date (:func:`_date_part_name`:
      ``arrival_date_day_of_month``);
    - a row index: whole numbers, every one different, one after the other (``0..n-1``, ``1..n``, a few gaps);
    - a code: 3 or more different whole numbers from 0 up to :data:`_SMALL_CODE_MAX`, and no word of an
      amount, count or scale in the name (:data:`_NOT_CODE_WORDS`), whose last word is no plural (``Pets``
      0-3 counts pets); a number used as a category label is no distance a clustering may measure;
    - a number whose smallest and largest values are unknown (a file with more than 500 number columns).

    One extra query over the first :data:`ROLE_SAMPLE_ROWS` rows gives, for the number columns
    still in question, how many values are not whole numbers and, for those whose values look all
    different, the count, distinct count, smallest and largest value there (a row index is only
    seen whole on consecutive rows, not on a sample).
    """
    flags, numbers = [], []
    for name in sorted(unknown, key=list(kinds).index):
        f, raw = facts[name], set(name_words(name))
        words = raw | set(role_words(name))
        if (roles[name] != "other" or f.values == 0 or _PLACEHOLDER_NAME.match(name)
                or not words.isdisjoint(_BOOKKEEPING_WORDS) or not words.isdisjoint(_CONSENT_WORDS)
                or all(w in _PERIOD_WORDS or w.isdigit() for w in raw) or raw <= _ENTITY_WORDS
                or _date_part_name(raw) or not raw.isdisjoint(_STAFF_WORDS) or not raw.isdisjoint(_LABEL_WORDS)):
            continue
        if kinds[name] == _TEXT and (not _text_category(f, words) or not words.isdisjoint(_CONTACT_WORDS)):
            continue  # free text, names or codes, mostly blank, an offer, a contact point (``phone_type``): other
        if (not raw.isdisjoint(_PREFERENCE_WORDS) and words.isdisjoint(_PREFERRED_STATUS)) or (
                not words.isdisjoint(_TASTE_WORDS)):
            roles[name] = "psychographic"  # ``PreferredPropertyStar``, ``favourite_genre``, ``GameGenre``: a taste
        elif kinds[name] == _TEXT:
            roles[name] = "behavioral"  # ``Purpose``, ``RoomTaken``, ``CourseCategory``: what the customer chose
        elif kinds[name] == _BOOLEAN or f.fits("flag"):
            if words.isdisjoint(_CONTACT_WORDS):
                flags.append(name)
        elif kinds[name] == _NUMBER and f.low is not None and f.high is not None:
            numbers.append(name)
    for name in flags:
        roles[name] = "behavioral"
    if not numbers or len(numbers) > _FALLBACK_COLUMNS:
        return
    looks_unique = [n for n in numbers if facts[n].values >= 3 and facts[n].distinct >= 0.9 * facts[n].values]
    metrics = []
    for name in numbers:
        x = f"TRY_CAST({db.quote_ident(name)} AS DOUBLE)"
        metrics.append(f"count(*) FILTER (WHERE {x} <> floor({x}))")
        if name in looks_unique:
            metrics += [f"count({x})", f"count(DISTINCT {x})", f"min({x})", f"max({x})"]
    picked = ", ".join(db.quote_ident(n) for n in numbers)
    row = list(db.fetch_all(con, f"SELECT {', '.join(metrics)} FROM (SELECT {picked} FROM {db.quote_ident(table)} "
                                 f"LIMIT {ROLE_SAMPLE_ROWS})")[0])
    for name in numbers:
        f = facts[name]
        whole = _int(row.pop(0)) == 0
        if name in looks_unique:
            count, distinct, low, high = _int(row.pop(0)), _int(row.pop(0)), _float(row.pop(0)), _float(row.pop(0))
            if (whole and count >= 3 and distinct == count and low is not None and high is not None
                    and high - low + 1 <= 1.05 * count + 1):
                continue  # a row index: 0..n-1, 1..n, 101..
        raw = name_words(name)
        counts = bool(raw) and raw[-1].isalpha() and _stem(raw[-1]) != raw[-1]  # a plural counts: ``Pets``, ``Cars``
        code = (whole and f.low is not None and f.high is not None and f.low >= 0 and f.high <= _SMALL_CODE_MAX
                and f.distinct >= 3 and set(raw).isdisjoint(_NOT_CODE_WORDS) and not counts)
        if not code:
            roles[name] = "behavioral"


# -- profiles ------------------------------------------------------------------------


@functools.cache
def _histogram_udfs() -> tuple[Any, Any]:
    """DuckDB's ``histogram`` aggregate as Ibis functions, over bin numbers and over text values.

    Made on first use (column profiles), so that importing this module does not load Ibis.
    """
    import ibis

    @ibis.udf.agg.builtin(name="histogram")
    def int_histogram(x: int) -> dict[int, int]:  # pragma: no cover - runs in DuckDB
        """DuckDB's ``histogram`` aggregate over bin numbers."""

    @ibis.udf.agg.builtin(name="histogram")
    def text_histogram(x: str) -> dict[str, int]:  # pragma: no cover - runs in DuckDB
        """DuckDB's ``histogram`` aggregate over text values."""

    return int_histogram, text_histogram


_PROFILE_DTYPES = {"missing": "int64", "missing_pct": "float64", "distinct": "int64"}

PROFILE_COLUMNS = [
    "name", "type", "role", "missing", "missing_pct", "distinct", "min", "median", "max", "top_values", "histogram",
]


def _format_date(value: Any) -> str:
    import pandas as pd

    stamp = pd.Timestamp(value)
    if stamp.hour == stamp.minute == stamp.second == 0 and stamp.microsecond == 0:
        return stamp.strftime("%Y-%m-%d")
    return stamp.strftime("%Y-%m-%d %H:%M")


def _display(value: Any, kind: str, *, plain: bool = False) -> str | None:
    import pandas as pd

    if value is None or (not isinstance(value, str | dt.date) and pd.isna(value)):
        return None
    if kind == _DATE:
        return _format_date(value)
    if plain:
        return format_number(value, missing="").replace(",", "")
    return format_number(value, missing="")


_YEAR_NAME = re.compile(r"(?i)year|birth|(?:^|[^a-z])yr(?:[^a-z]|$)")


def is_year_like(name: str, *, low: Any, high: Any) -> bool:
    """Whether a number column holds calendar years (``Year_Birth``: 1893 ... 1996), shown without separators.

    Parameters
    ----------
    name
        The column's name; it must say "year", "birth" or "yr".
    low, high
        The column's smallest and largest values: whole numbers between 1800 and 2200.

    Returns
    -------
    bool
    """
    try:
        lo, hi = float(low), float(high)
    except (TypeError, ValueError):
        return False
    return (bool(_YEAR_NAME.search(str(name))) and math.isfinite(lo) and math.isfinite(hi)
            and lo.is_integer() and hi.is_integer() and 1800 <= lo <= hi <= 2200)


def _share(count: int, total: int) -> str:
    percent = 100 * count / total if total else 0
    return "<1%" if 0 < percent < 1 else f"{math.floor(percent + 0.5)}%"


def top_values_text(counts: dict[Any, int], *, values: int, distinct: int | None = None) -> str:
    """Top values as one line: ``"Paid search 31% · Social 22% · Email 18% · …"``.

    Parameters
    ----------
    counts
        Value -> rows (at least the most common values).
    values
        Rows with a value (shares are of these rows).
    distinct
        Number of different values, when ``counts`` holds only the top ones.

    Returns
    -------
    str
        Up to :data:`TOP_VALUES` values with their share, most common first (ties by value),
        ``…`` when there are more.
    """
    if not counts or not values:
        return ""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
    shown = []
    for value, count in ordered[:TOP_VALUES]:
        label = {True: "Yes", False: "No"}.get(value, value) if isinstance(value, bool) else value
        label = str(label)
        label = label if len(label) <= 24 else label[:23] + "…"
        shown.append(f"{label} {_share(count, values)}")
    if max(len(counts), distinct or 0) > TOP_VALUES:
        shown.append("…")
    return " · ".join(shown)


def _bins(low: float, high: float, integer: bool) -> tuple[int, float]:
    """(number of bins, bin width) for values from ``low`` to ``high``."""
    if integer and high - low + 1 <= HISTOGRAM_BINS:
        return int(high - low) + 1, 1.0
    return HISTOGRAM_BINS, (high - low) / HISTOGRAM_BINS


def profile_columns(
    con: duckdb.DuckDBPyConnection,
    *,
    table: str = TABLE,
    types: dict[str, str],
    roles: dict[str, str],
) -> pd.DataFrame:
    """Profile every column: missing, distinct, min/median/max or top values, histogram.

    Parameters
    ----------
    con
        The workspace's DuckDB.
    table
        Table to profile (``customers``).
    types
        Column name -> segdash type; columns not listed get the type of their DuckDB column.
    roles
        Column name -> role (shown as is; ``other`` when missing).

    Returns
    -------
    pandas.DataFrame
        One row per column in table order (no ``_row``), columns :data:`PROFILE_COLUMNS`:
        ``missing`` (rows), ``missing_pct`` (0-100), ``distinct``; ``min``/``median``/``max`` as
        display text for numbers and dates (``None`` otherwise); ``top_values`` as one line of
        text for text and yes/no columns (``None`` otherwise); ``histogram`` a list of bin counts
        (:data:`HISTOGRAM_BINS` bins, or one per value for small whole-number ranges) for numbers
        and dates, ``[]`` otherwise. ``attrs["approximate"]`` is true when distinct counts are
        estimates (tables over :data:`EXACT_LIMIT` rows).
    """
    import pandas as pd

    backend = db.backend(con)
    expr = backend.table(table)
    schema = expr.schema()
    columns = _columns(expr, types)
    rows = int(expr.count().execute())
    approximate = rows > EXACT_LIMIT

    # Query 1: counts, distinct, min/median/max, yes counts -----------------------------
    wide = len(columns) > WIDE_COLUMNS
    metrics: dict[str, Any] = {"n": expr.count()}
    for index, (name, kind) in enumerate([] if wide else columns):
        column = expr[name]
        metrics[f"v{index}"] = column.count()
        metrics[f"d{index}"] = column.approx_nunique() if approximate else column.nunique()
        if kind in (_NUMBER, _DATE) and (schema[name].is_numeric() or schema[name].is_temporal()):
            metrics[f"lo{index}"] = column.min()
            metrics[f"hi{index}"] = column.max()
            metrics[f"me{index}"] = column.median()
        elif kind == _BOOLEAN and schema[name].is_boolean():
            metrics[f"t{index}"] = column.sum()
    long_table = _long_text_table(con, expr, columns) if wide else ""
    if wide:
        stats = _profile_stats_long(con, long_table, expr, columns, rows=rows, approximate=approximate)
    else:
        stats = expr.aggregate(**metrics).execute().iloc[0].to_dict() if columns else {}

    # Query 2: histograms of numbers and dates, value counts of small text columns ------------
    shapes: dict[int, tuple[float, int, float]] = {}
    maps: dict[str, Any] = {}
    for index, (name, kind) in enumerate(columns):
        column = expr[name] if not wide else None
        if f"lo{index}" in stats and stats[f"lo{index}"] is not None and not pd.isna(stats[f"lo{index}"]):
            low, high = stats[f"lo{index}"], stats[f"hi{index}"]
            if kind == _DATE:
                low, high = pd.Timestamp(low).timestamp(), pd.Timestamp(high).timestamp()
                integer = False
            else:
                low, high = float(low), float(high)
                integer = schema[name].is_integer()
            if high > low:
                count, width = _bins(low, high, integer)
                shapes[index] = (low, count, width)
                if wide:
                    continue
                if kind == _DATE:
                    numeric = column.cast("timestamp").epoch_seconds().cast("float64")
                else:
                    numeric = column.cast("float64")
                bin_number = ((numeric - low) / width).floor().clip(lower=0, upper=count - 1).cast("int64")
                maps[f"h{index}"] = _histogram_udfs()[0](bin_number)
        elif kind == _TEXT and 0 < _int(stats.get(f"d{index}")) <= _TOP_VALUES_MAP_LIMIT:
            maps[f"h{index}"] = None if wide else _histogram_udfs()[1](column.cast("string"))
    if wide:
        try:
            histograms = _profile_histograms_long(con, long_table, columns, shapes, [int(k[1:]) for k in maps])
        finally:
            con.execute("DROP TABLE IF EXISTS " + db.quote_ident(long_table))
    else:
        histograms = expr.aggregate(**maps).execute().iloc[0].to_dict() if maps else {}

    records = []
    for index, (name, kind) in enumerate(columns):
        values = _int(stats.get(f"v{index}"))
        distinct = min(_int(stats.get(f"d{index}")), values)
        missing = rows - values
        record: dict[str, Any] = {
            "name": name,
            "type": kind,
            "role": roles.get(name, "other"),
            "missing": missing,
            "missing_pct": round(100 * missing / rows, 2) if rows else 0.0,
            "distinct": distinct,
            "min": None,
            "median": None,
            "max": None,
            "top_values": None,
            "histogram": [],
        }
        if f"lo{index}" in stats:
            plain = kind == _NUMBER and (record["role"] == "id" or is_year_like(
                name, low=stats[f"lo{index}"], high=stats[f"hi{index}"]))  # no "1,970" for a year or an id
            record["min"] = _display(stats[f"lo{index}"], kind, plain=plain)
            record["median"] = _display(stats[f"me{index}"], kind, plain=plain)
            record["max"] = _display(stats[f"hi{index}"], kind, plain=plain)
            if index in shapes:
                counts = _as_dict(histograms.get(f"h{index}"))
                record["histogram"] = [int(counts.get(b, 0)) for b in range(shapes[index][1])]
            elif values:
                record["histogram"] = [values]
        elif kind == _BOOLEAN and f"t{index}" in stats:
            yes = _int(stats[f"t{index}"])
            counts = {v: c for v, c in ((True, yes), (False, values - yes)) if c}
            record["top_values"] = top_values_text(counts, values=values)
        elif kind in (_TEXT, _BOOLEAN) or f"h{index}" in histograms:
            counts = _as_dict(histograms.get(f"h{index}"))
            if values > TOP_VALUES and distinct >= values:
                record["top_values"] = "all different"
            elif counts or not values:
                record["top_values"] = top_values_text(counts, values=values, distinct=distinct)
            elif distinct * 2 >= values:
                record["top_values"] = _mostly_different(distinct, values, approximate=approximate)
            else:
                record["top_values"] = top_values_text(_top_counts(expr, name), values=values, distinct=distinct)
        records.append(record)
    frame = pd.DataFrame(
        {
            key: pd.Series([r[key] for r in records], dtype=_PROFILE_DTYPES.get(key, object))
            for key in PROFILE_COLUMNS
        }
    )
    frame.attrs["approximate"] = approximate
    return frame


def _long_text_table(con: duckdb.DuckDBPyConnection, expr: Any, columns: list[tuple[str, str]]) -> str:
    """A temporary table of every cell of a wide table as text, ``(i, v)``: unpivoted once, then
    every profile query reads it (text casts back to numbers and dates exactly)."""
    name = "_segdash_long_" + uuid.uuid4().hex[:12]
    sql = db.long_form(_source_sql(expr), [db.quote_ident(n) + "::VARCHAR" for n, _ in columns])
    with db.plain_plans(con):
        con.execute("CREATE TEMP TABLE " + db.quote_ident(name) + " AS " + sql)
    return name


def _profile_stats_long(
    con: duckdb.DuckDBPyConnection, long_table: str, expr: Any, columns: list[tuple[str, str]], *, rows: int,
    approximate: bool,
) -> dict[str, Any]:
    """Query 1 of :func:`profile_columns` for a wide table: the same keys, from the long table."""
    schema = expr.schema()
    cells = db.quote_ident(long_table)
    stats: dict[str, Any] = {"n": rows}
    distinct = "approx_count_distinct(v)" if approximate else "count(DISTINCT v)"
    for i, values, different in db.fetch_all(con, f"SELECT i, count(v), {distinct} FROM {cells} GROUP BY i"):
        stats[f"v{i}"], stats[f"d{i}"] = values, different
    numbers = [i for i, (n, k) in enumerate(columns) if k == _NUMBER and schema[n].is_numeric()]
    dates = [i for i, (n, k) in enumerate(columns) if k == _DATE and schema[n].is_temporal()]
    flags = [i for i, (n, k) in enumerate(columns) if k == _BOOLEAN and schema[n].is_boolean()]
    for group, cast, median in ((numbers, "DOUBLE", "quantile_cont(x, 0.5)"),
                                (dates, "TIMESTAMP", "quantile_disc(x, 0.5)")):
        for i in group:
            stats[f"lo{i}"] = stats[f"hi{i}"] = stats[f"me{i}"] = None
        if group:
            sql = (f"SELECT i, min(x), max(x), {median} FROM (SELECT i, CAST(v AS {cast}) AS x FROM {cells} "
                   "WHERE list_contains(?, i)) GROUP BY i")
            for i, low, high, middle in db.fetch_all(con, sql, [group]):
                stats[f"lo{i}"], stats[f"hi{i}"], stats[f"me{i}"] = low, high, middle
    if flags:
        for i in flags:
            stats[f"t{i}"] = 0
        sql = f"SELECT i, sum(CAST(CAST(v AS BOOLEAN) AS INTEGER)) FROM {cells} WHERE list_contains(?, i) GROUP BY i"
        for i, yes in db.fetch_all(con, sql, [flags]):
            stats[f"t{i}"] = yes
    return stats


def _profile_histograms_long(
    con: duckdb.DuckDBPyConnection,
    long_table: str,
    columns: list[tuple[str, str]],
    shapes: dict[int, tuple[float, int, float]],
    texts: list[int],
) -> dict[str, Any]:
    """Query 2 of :func:`profile_columns` for a wide table: bin counts of numbers and dates, and the
    most common values of text columns, from the long table."""
    import pandas as pd

    cells = db.quote_ident(long_table)
    out: dict[str, Any] = {}
    if shapes:
        dates = [i for i in shapes if columns[i][1] == _DATE]
        edges = pd.DataFrame(
            [(i, shapes[i][0], shapes[i][2], shapes[i][1]) for i in sorted(shapes)], columns=["i", "low", "width", "bins"]
        )
        view = "_segdash_bins_" + uuid.uuid4().hex[:12]
        con.register(view, edges)
        try:
            number = "CASE WHEN list_contains(?, l.i) THEN epoch(CAST(l.v AS TIMESTAMP))::DOUBLE ELSE CAST(l.v AS DOUBLE) END"
            sql = (
                f"SELECT l.i, CAST(least(greatest(floor(({number} - b.low) / b.width), 0), b.bins - 1) AS BIGINT), "
                f"count(*) FROM {cells} l JOIN {db.quote_ident(view)} b ON l.i = b.i GROUP BY ALL"
            )
            for i, bin_number, count in db.fetch_all(con, sql, [dates]):
                out.setdefault(f"h{i}", {})[int(bin_number)] = int(count)
        finally:
            con.unregister(view)
    if texts:
        sql = (
            f"SELECT i, v, count(*) AS c FROM {cells} WHERE list_contains(?, i) GROUP BY i, v "
            f"QUALIFY row_number() OVER (PARTITION BY i ORDER BY c DESC, v) <= {TOP_VALUES + 1}"
        )
        for i, value, count in db.fetch_all(con, sql, [texts]):
            out.setdefault(f"h{i}", {})[value] = int(count)
    return out


def _mostly_different(distinct: int, values: int, *, approximate: bool) -> str:
    if distinct >= values:
        return "all different"
    if approximate and distinct >= 0.95 * values:
        return "all or nearly all different"
    return f"mostly different ({distinct:,} different values)"


def _as_dict(value: Any) -> dict[Any, int]:
    """DuckDB MAP as returned through pandas (dict, or list of key/value pairs) -> dict."""
    if value is None:
        return {}
    if isinstance(value, dict):
        if set(value) == {"key", "value"} and isinstance(value["key"], list | tuple):
            return dict(zip(value["key"], value["value"], strict=True))
        return dict(value)
    try:
        return {k: v for k, v in value}
    except (TypeError, ValueError):
        return {}


def _top_counts(expr: Any, name: str) -> dict[Any, int]:
    """The most common values of one column (a group-by; used for many-valued text columns)."""
    import ibis

    column = expr[name]
    top = (
        expr.filter(column.notnull())
        .group_by(value=column)
        .aggregate(rows=ibis._.count())
        .order_by([ibis.desc("rows"), "value"])
        .limit(TOP_VALUES)
        .execute()
    )
    return dict(zip(top["value"], top["rows"].astype(int), strict=True))


# -- the columns RFM and the economics read ------------------------------------------------------
_ORDERS_EXACT = re.compile(r"^(orders?|frequency|purchases|numorders|ordercount|transactions|visits)$")
_ORDERS_LOOSE = re.compile(r"orders?|frequency|purchases|transactions|visits")
_NOT_ORDERS = re.compile(r"value|spend|amount")
_SPEND = re.compile(r"spend|revenue|monetary|sales|amount|value|total")


def _squashed(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _modelling_numbers(roles: dict[str, str], types: dict[str, str]) -> list[str]:
    return [c for c, kind in types.items() if kind == "number" and is_modelling_role(roles.get(c, "other"))]


def guess_orders_column(roles: dict[str, str], types: dict[str, str]) -> str | None:
    """The number column counting each customer's orders, or ``None``.

    Behavioral columns are tried first; a name that is exactly "orders", "purchases", "frequency"...
    wins over one that only contains such a word, and names about money ("order value") never count.
    Used by RFM (frequency) and by the economics (purchase frequency), so both read the same column.

    Parameters
    ----------
    roles
        Column -> role.
    types
        Column -> type.

    Returns
    -------
    str or None
    """
    numbers = _modelling_numbers(roles, types)
    ordered = [c for c in numbers if roles.get(c) == "behavioral"] + [
        c for c in numbers if roles.get(c) != "behavioral"
    ]
    for pattern in (_ORDERS_EXACT, _ORDERS_LOOSE):
        for column in ordered:
            name = _squashed(column)
            if pattern.search(name) and not _NOT_ORDERS.search(name):
                return column
    return None


def guess_spend_column(roles: dict[str, str], types: dict[str, str]) -> str | None:
    """The number column with each customer's spend to date, among the revenue columns, or ``None``.

    A revenue column named like spend, sales, amount or total wins; otherwise the first revenue
    column. Only columns whose role is revenue count (so "Spending Score (1-100)" is never money).

    Parameters
    ----------
    roles
        Column -> role.
    types
        Column -> type.

    Returns
    -------
    str or None
    """
    revenue = [c for c in _modelling_numbers(roles, types) if roles.get(c) == "revenue"]
    return next((c for c in revenue if _SPEND.search(_squashed(c))), revenue[0] if revenue else None)


# -- codes: whole numbers that name categories ----------------------------------------------------


def _phrases(text: str, *, sep: str = ",") -> list[str]:
    return [p.strip() for p in text.split(sep) if p.strip()]


#: Names of number columns that hold codes: categories written as numbers (``Region`` 1-9,
#: ``Browser`` 1-13, ``TrafficType``, ``OperatingSystems``, ``CityTier``, zip codes).
_CODE_NAMES = frozenset(_phrase_key(p) for p in _phrases(
    "region, browser, traffic type, traffic source, operating system, operating systems, os, tier, city tier,"
    " zip, zipcode, zip code, postcode, post code, postal code, area code, code, codes, category, cat, class,"
    " segment, cluster, group, type, device, platform, store, branch, department, dept, district, zone,"
    " territory, state, country, brand, model, site, channel, source, location, via, method"
))
#: Codes with many values: postal and other codes are categories whatever their number.
_MANY_CODE_NAMES = frozenset(_phrase_key(p) for p in _phrases(
    "zip, zipcode, zip code, postcode, post code, postal code, area code, code, codes"
))
#: Words that make a number an amount, a count or an ordered scale, never a code.
_NOT_CODE_WORDS = frozenset(_phrases(
    "rating ratings score satisfaction count counts number num qty quantity age year years month months day days"
    " hour hours minutes size tenure income amount price spend spent revenue value level rank grade percent pct"
    " total sum average avg mean rate", sep=" "
))
#: A code column of the ordinary kind has at most this many different values, all small whole numbers.
CODE_MAX_VALUES = 50
_CODE_MAX = 1_000


def code_columns(con: duckdb.DuckDBPyConnection, *, table: str = TABLE, types: dict[str, str]) -> dict[str, str]:
    """Whole-number columns that are codes (categories), with the reason in plain words.

    A column is a code when its name says so (``Region``, ``Browser``, ``TrafficType``,
    ``OperatingSystems``, ``CityTier``, ``zip``...), nothing in its name makes it an amount, a
    count or an ordered scale (``rating``, ``score``, ``count``, ``age``, ``level``...), and its
    content fits: whole numbers from 0 up, with 3 to :data:`CODE_MAX_VALUES` different values
    under 1,000 (postal and other ``code`` columns: any number of values).

    Parameters
    ----------
    con
        The workspace's DuckDB.
    table
        The table to look at.
    types
        Column name -> segdash type; only ``number`` columns stored as whole numbers are considered.

    Returns
    -------
    dict
        Column name -> note (``"codes, not amounts: read as categories (9 different values)"``).
    """
    duck = _duck_types(con, table)
    candidates = []
    for name, kind in types.items():
        if kind != _NUMBER or name not in duck or not duck[name].is_integer:
            continue
        words = name_words(name)
        grams = _grams(words)
        if set(words) & _NOT_CODE_WORDS or grams.isdisjoint(_CODE_NAMES):
            continue
        candidates.append((name, not grams.isdisjoint(_MANY_CODE_NAMES)))
    if not candidates:
        return {}
    metrics: dict[str, str] = {}
    for index, (name, _) in enumerate(candidates):
        column = db.quote_ident(name)
        metrics[f"d{index}"] = f"count(DISTINCT {column})"
        metrics[f"lo{index}"] = f"min({column})"
        metrics[f"hi{index}"] = f"max({column})"
    values = db.fetch_all(con, "SELECT " + ", ".join(metrics.values()) + " FROM " + db.quote_ident(table))[0]
    row = dict(zip(metrics, values, strict=True))
    found = {}
    for index, (name, many) in enumerate(candidates):
        distinct, low, high = _int(row[f"d{index}"]), _float(row[f"lo{index}"]), _float(row[f"hi{index}"])
        if low is None or high is None or low < 0 or distinct < 3:
            continue
        if many or (distinct <= CODE_MAX_VALUES and high < _CODE_MAX):
            found[name] = f"codes, not amounts: read as categories ({distinct:,} different values)"
    return found
