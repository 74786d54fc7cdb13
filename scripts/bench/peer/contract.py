"""The customer order webhook contract: parse, validate, map to our order model.

A port of CustomerOrderMapper (functions/src/main/kotlin/com/acme/integration/orders/), rule for rule
(contracts/customer-order-webhook.schema.json and what a schema cannot say): strict UTF-8 JSON
without a byte order mark or duplicate keys, at most 32 levels deep, numbers of at most 50 digits;
every field error collected, with the same JSON pointers and texts in the same order; the same
mapping to contracts/orders-api-order.schema.json. Pure functions: no I/O, no clock.
"""

import calendar
import json
import re

from iso_codes import COUNTRIES, CURRENCIES

MAX_NESTING_DEPTH = 32
MAX_JSON_STRING_LENGTH = 65_536
MAX_JSON_NAME_LENGTH = 50_000
MAX_JSON_NUMBER_LENGTH = 50
MAX_TIMESTAMP = 64
MAX_ORDER_NUMBER = 64
MAX_CUSTOMER_ID = 64
MAX_NAME = 200
MAX_EMAIL = 254
MAX_EMAIL_LOCAL_PART = 64
MAX_VAT_ID = 32
MAX_STREET = 200
MAX_POSTAL_CODE = 20
MAX_CITY = 100
MAX_ITEMS = 500
MAX_ARTICLE_NO = 64
MAX_DESCRIPTION = 500
MAX_NOTE = 2000
MAX_QUANTITY = 1_000_000
MAX_AMOUNT_LENGTH = 12 + 1 + 4
# Generous bound for coded values (country, currency, date) so a wrong code gets the code's own message.
MAX_CODE = 64

CREATED = "order.created"
UPDATED = "order.updated"
CANCELLED = "order.cancelled"
PING = "ping"
EVENT_TYPES = (CREATED, UPDATED, CANCELLED, PING)

CUSTOMER_KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
ORDER_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# Java's \s is ASCII whitespace only; Python's would be Unicode's.
EMAIL = re.compile(r"[^ \t\n\x0b\f\r@]+@[^ \t\n\x0b\f\r@.]+(?:\.[^ \t\n\x0b\f\r@.]+)+")
VAT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .+*-]*")
DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
AMOUNT = re.compile(r"(?:0|[1-9][0-9]{0,11})(?:\.[0-9]{1,4})?")
# What java.time's ISO_OFFSET_DATE_TIME accepts: signed years beyond 4 digits, 't'/'z' in any case,
# seconds and fraction optional, offsets +HH, +HH:MM or +HH:MM:SS; the values are checked below.
TIMESTAMP = re.compile(
    r"(?:([0-9]{4})|([+-])([0-9]{4,10}))-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:\.[0-9]{0,9})?)?"
    r"(?:[Zz]|([+-])([0-9]{2})(?::([0-9]{2})(?::([0-9]{2}))?)?)")
# ISO control characters (Character.isISOControl) and surrogates: a surrogate left in a Python str
# is always an unpaired one (json joins escaped pairs).
UNCLEAN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
UNCLEAN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

_UNKNOWN_TYPE = "must be one of " + ", ".join(EVENT_TYPES)


class MalformedPayload(Exception):
    """Not one well-formed UTF-8 JSON document: HTTP 400, problem type malformed-json."""


class InvalidPayload(Exception):
    """Well-formed JSON that breaks the contract: HTTP 422 with every (pointer, detail) found."""

    def __init__(self, errors, unknown_type=False):
        super().__init__(f"payload has {len(errors)} field error(s)")
        self.errors = errors
        self.unknown_type = unknown_type


class Event:
    """A validated event: its type, our externalRef (None for a ping) and the JSON for our Orders API."""

    __slots__ = ("type", "external_ref", "body")

    def __init__(self, type_, external_ref, body):
        self.type = type_
        self.external_ref = external_ref
        self.body = body


class _Reject(Exception):
    pass


def _pairs(pairs):
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _Reject("has a duplicate object key")
    return obj


def _parse_int(text):
    if len(text) - (text[0] == "-") > MAX_JSON_NUMBER_LENGTH:
        raise _Reject(_limits())
    return int(text)


def _parse_float(text):
    if sum(c.isdigit() for c in text) > MAX_JSON_NUMBER_LENGTH:
        raise _Reject(_limits())
    return float(text)


def _parse_constant(text):
    raise _Reject("is not well-formed JSON")


def _limits():
    return (f"exceeds the JSON limits (nesting depth {MAX_NESTING_DEPTH}, string length "
            f"{MAX_JSON_STRING_LENGTH}, number length {MAX_JSON_NUMBER_LENGTH})")


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_int=_parse_int, parse_float=_parse_float,
                            parse_constant=_parse_constant)


def _utf16_length(text):
    return len(text) if text.isascii() else len(text.encode("utf-16-le", "surrogatepass")) // 2


def _within_limits(root):
    """Depth and string lengths as Jackson's StreamReadConstraints count them (strings in UTF-16 units)."""
    stack = [(root, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            if depth > MAX_NESTING_DEPTH:
                return False
            for name, item in value.items():
                if len(name) > MAX_JSON_NAME_LENGTH // 2 and _utf16_length(name) > MAX_JSON_NAME_LENGTH:
                    return False
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            if depth > MAX_NESTING_DEPTH:
                return False
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            if len(value) > MAX_JSON_STRING_LENGTH // 2 and _utf16_length(value) > MAX_JSON_STRING_LENGTH:
                return False
    return True


def decode(body):
    """The body as text: strict UTF-8 and without U+FFFD, which is what the Java web layer makes of bytes that
    are not UTF-8 (so the function refuses it, before it checks the signature)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedPayload("request body is not valid UTF-8") from None
    if "\ufffd" in text:
        raise MalformedPayload("request body is not valid UTF-8")
    return text


def _is_blank(text):
    # Kotlin's isBlank: Java whitespace and Unicode space separators; str.isspace() also takes U+0085.
    return not text or (text.isspace() and "\x85" not in text)


def parse(text):
    """One JSON document, as Jackson reads it with the mapper's constraints."""
    if text.startswith("\ufeff"):
        raise MalformedPayload("request body must be UTF-8 JSON without a byte order mark")
    if _is_blank(text):
        raise MalformedPayload("request body is empty")
    try:
        root = _DECODER.decode(text)
    except _Reject as ex:
        raise MalformedPayload(f"request body {ex}") from None
    except RecursionError:
        raise MalformedPayload("request body " + _limits()) from None
    except json.JSONDecodeError as ex:
        raise MalformedPayload(f"request body is not well-formed JSON at line {ex.lineno}, column {ex.colno}") from None
    except ValueError:
        raise MalformedPayload("request body is not well-formed JSON") from None
    # Both limits can only be broken by a body with that many brackets or characters.
    if ((text.count("{") + text.count("[") > MAX_NESTING_DEPTH or len(text) > MAX_JSON_NAME_LENGTH // 2)
            and not _within_limits(root)):
        raise MalformedPayload("request body " + _limits())
    return root


def _valid_timestamp(text):
    m = TIMESTAMP.fullmatch(text)
    if m is None:
        return False
    plain, sign, digits, month, day, hour, minute, second, offset_sign, oh, om, os_ = m.groups()
    if plain is not None:
        year = int(plain)
    else:
        year = int(digits)
        if (sign == "+" and len(digits) <= 4) or (sign == "-" and year == 0) or year > 999_999_999:
            return False
        if sign == "-":
            year = -year
    month, day = int(month), int(day)
    if not (1 <= month <= 12 and 1 <= day <= _days_in_month(year, month)):
        return False
    if int(hour) > 23 or int(minute) > 59 or (second is not None and int(second) > 59):
        return False
    if offset_sign is not None:
        h, mi, s = int(oh), int(om or 0), int(os_ or 0)
        if mi > 59 or s > 59 or h * 3600 + mi * 60 + s > 18 * 3600:
            return False
    return True


def _days_in_month(year, month):
    if month == 2:
        return 29 if calendar.isleap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


class Mapper:
    """Parses, validates and maps webhook bodies for one customer (the prefix of every externalRef)."""

    def __init__(self, customer_key):
        if not CUSTOMER_KEY.fullmatch(customer_key):
            raise ValueError(f"customer key must match {CUSTOMER_KEY.pattern}")
        self.customer_key = customer_key

    def map(self, body):
        """Bytes to Event; raises MalformedPayload or InvalidPayload."""
        return self.map_text(decode(body))

    def map_text(self, text):
        root = parse(text)
        v = _Validation()
        if not isinstance(root, dict):
            raise InvalidPayload([("#", "must be a JSON object")])
        type_ = v.event_type(root)
        v.timestamp(root)
        if type_ == PING:
            if v.errors:
                raise InvalidPayload(v.errors)
            return Event(PING, None, None)
        data = v.obj(root, "data", "#/data")
        if type_ is None:
            raise InvalidPayload(v.errors)
        order_number = None if data is None else v.order_number(data)
        order = None if type_ == CANCELLED or data is None else v.order(data)
        if v.errors:
            raise InvalidPayload(v.errors)
        external_ref = f"{self.customer_key}:{order_number}"
        if type_ == CANCELLED:
            return Event(type_, external_ref, {"externalRef": external_ref})
        order["externalRef"] = external_ref
        return Event(type_, external_ref, order)


class _Validation:
    """Collects field errors while reading the document; each reader returns None when the value is unusable."""

    __slots__ = ("errors",)

    def __init__(self):
        self.errors = []

    def error(self, pointer, detail):
        self.errors.append((pointer, detail))

    def event_type(self, root):
        node = root.get("type")
        if node is None:
            self.error("#/type", "is required")
            return None
        if not isinstance(node, str):
            self.error("#/type", "must be a string")
            return None
        if node not in EVENT_TYPES:
            # Nothing else can be checked without knowing the event, so this is the only error reported.
            raise InvalidPayload([("#/type", _UNKNOWN_TYPE)], unknown_type=True)
        return node

    def timestamp(self, root):
        text = self.string(root, "timestamp", "#/timestamp", True, MAX_TIMESTAMP)
        if text is not None and not _valid_timestamp(text):
            self.error("#/timestamp", "must be an ISO 8601 date-time with offset, such as 2026-11-24T10:15:00Z")

    def order_number(self, data):
        value = self.string(data, "orderNumber", "#/data/orderNumber", True, MAX_ORDER_NUMBER)
        if value is None:
            return None
        if not ORDER_NUMBER.fullmatch(value):
            self.error("#/data/orderNumber",
                       "must start with a letter or digit and contain only letters, digits, '.', '_' and '-'")
            return None
        return value

    def order(self, data):
        """The order part of created/updated, in our model's key order (externalRef is set by the caller)."""
        buyer = self.buyer(data)
        delivery = self.delivery(data)
        lines = self.lines(data)
        notes = self.string(data, "note", "#/data/note", False, MAX_NOTE, multiline=True)
        if buyer is None or delivery is None or lines is None:
            return None
        order = {"externalRef": None, "buyer": buyer, "delivery": delivery, "lines": lines}
        if notes is not None:
            order["notes"] = notes
        return order

    def buyer(self, data):
        p = "#/data/customer"
        customer = self.obj(data, "customer", p)
        if customer is None:
            return None
        id_ = self.string(customer, "id", p + "/id", True, MAX_CUSTOMER_ID)
        name = self.string(customer, "name", p + "/name", True, MAX_NAME)
        email = self.string(customer, "email", p + "/email", False, MAX_EMAIL)
        if email is not None and not (EMAIL.fullmatch(email)
                                      and _utf16_length(email.partition("@")[0]) <= MAX_EMAIL_LOCAL_PART):
            self.error(p + "/email", "must be an email address such as name@example.com")
            email = None
        vat_id = self.string(customer, "vatId", p + "/vatId", False, MAX_VAT_ID)
        if vat_id is not None and not VAT_ID.fullmatch(vat_id):
            self.error(p + "/vatId", "must contain only letters, digits, spaces, '.', '-', '+' and '*'")
            vat_id = None
        if id_ is None or name is None:
            return None
        buyer = {"customerNumber": id_, "name": name}
        if email is not None:
            buyer["email"] = email
        if vat_id is not None:
            buyer["vatId"] = vat_id
        return buyer

    def delivery(self, data):
        p = "#/data/shipTo"
        ship_to = self.obj(data, "shipTo", p)
        street = postal_code = city = country = None
        if ship_to is not None:
            street = self.string(ship_to, "street", p + "/street", True, MAX_STREET)
            postal_code = self.string(ship_to, "postalCode", p + "/postalCode", False, MAX_POSTAL_CODE)
            city = self.string(ship_to, "city", p + "/city", True, MAX_CITY)
            country = self.string(ship_to, "country", p + "/country", True, MAX_CODE)
            if country is not None and country not in COUNTRIES:
                self.error(p + "/country", "must be an ISO 3166-1 alpha-2 country code in upper case, such as DE")
                country = None
        date = self.requested_date(data)
        if street is None or city is None or country is None:
            return None
        delivery = {"street": street}
        if postal_code is not None:
            delivery["postalCode"] = postal_code
        delivery["city"] = city
        delivery["countryCode"] = country
        if date is not None:
            delivery["requestedDate"] = date
        return delivery

    def requested_date(self, data):
        p = "#/data/requestedDeliveryDate"
        text = self.string(data, "requestedDeliveryDate", p, False, MAX_CODE)
        if text is None:
            return None
        m = DATE.fullmatch(text)
        # java.time's proleptic calendar has a year 0 (a leap year).
        if m and 1 <= int(m[2]) <= 12 and 1 <= int(m[3]) <= _days_in_month(int(m[1]), int(m[2])):
            return text
        self.error(p, "must be an ISO 8601 calendar date (yyyy-MM-dd)")
        return None

    def lines(self, data):
        p = "#/data/items"
        items = data.get("items")
        if items is None:
            self.error(p, "is required")
        elif not isinstance(items, list):
            self.error(p, "must be an array")
        elif not items:
            self.error(p, "must contain at least 1 item")
        elif len(items) > MAX_ITEMS:
            self.error(p, f"must contain at most {MAX_ITEMS} items")
        else:
            lines = [self.line(item, f"{p}/{i}") for i, item in enumerate(items)]
            # All lines share one currency: the first valid one sets it, whatever else is wrong with its line.
            currencies = [_currency_of(item) for item in items]
            order_currency = next((c for c in currencies if c is not None), None)
            for i, currency in enumerate(currencies):
                if currency is not None and currency != order_currency:
                    self.error(f"{p}/{i}/currency", f"must be the same currency as the other items ({order_currency})")
            return lines if None not in lines else None
        return None

    def line(self, item, p):
        if not isinstance(item, dict):
            self.error(p, "must be an object")
            return None
        sku = self.string(item, "articleNo", p + "/articleNo", True, MAX_ARTICLE_NO)
        description = self.string(item, "description", p + "/description", False, MAX_DESCRIPTION, multiline=True)
        quantity = self.quantity(item, p + "/quantity")
        amount = self.amount(item, p + "/unitPrice")
        currency = self.string(item, "currency", p + "/currency", True, MAX_CODE)
        if currency is not None and currency not in CURRENCIES:
            self.error(p + "/currency", "must be an ISO 4217 currency code in upper case, such as EUR")
            currency = None
        if sku is None or quantity is None or amount is None or currency is None:
            return None
        line = {"sku": sku}
        if description is not None:
            line["description"] = description
        line["quantity"] = quantity
        line["unitPrice"] = {"amount": amount, "currency": currency}
        return line

    def quantity(self, item, p):
        node = item.get("quantity")
        if node is None:
            self.error(p, "is required")
        elif type(node) is not int:
            self.error(p, "must be an integer")
        elif node <= 0:
            self.error(p, "must be greater than 0")
        elif node > MAX_QUANTITY:
            self.error(p, f"must be at most {MAX_QUANTITY}")
        else:
            return node
        return None

    def amount(self, item, p):
        node = item.get("unitPrice")
        if isinstance(node, (int, float)) and not isinstance(node, bool):
            self.error(p, 'must be a decimal string such as "19.99", not a JSON number')
            return None
        text = self.string(item, "unitPrice", p, True, MAX_AMOUNT_LENGTH)
        if text is None:
            return None
        if not AMOUNT.fullmatch(text):
            self.error(p, 'must be a non-negative decimal string such as "19.99" with at most 12 integer and 4 '
                          "fraction digits")
            return None
        # The pattern admits plain notation only: the text is the exact amount, scale as sent.
        return text

    def obj(self, parent, name, p):
        node = parent.get(name)
        if node is None:
            self.error(p, "is required")
        elif not isinstance(node, dict):
            self.error(p, "must be an object")
        else:
            return node
        return None

    def string(self, parent, name, p, required, max_length, multiline=False):
        """A required string must be there and not blank; an optional one that is absent, null or blank counts
        as not given. Control characters (but tab and line breaks in multiline texts) and unpaired surrogates
        are refused; max_length counts code points."""
        node = parent.get(name)
        if node is None or (isinstance(node, str) and _is_blank(node)):
            if required:
                self.error(p, "is required" if node is None else "must not be blank")
            return None
        if not isinstance(node, str):
            self.error(p, "must be a string")
            return None
        if len(node) > max_length:
            self.error(p, f"must be at most {max_length} characters long")
        elif (UNCLEAN_TEXT if multiline else UNCLEAN_LINE).search(node):
            self.error(p, "must not contain control characters other than tab and line breaks" if multiline
                       else "must be a single line without control characters")
        else:
            return node
        return None


def _currency_of(item):
    currency = item.get("currency") if isinstance(item, dict) else None
    return currency if isinstance(currency, str) and currency in CURRENCIES else None


def to_json(event):
    """Our JSON for an event: the order for created and updated, {"externalRef"} for cancelled, {} for a ping."""
    return json.dumps(event.body or {}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
