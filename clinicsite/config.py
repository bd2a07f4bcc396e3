"""The clinic's facts, authors, topics and editorial settings: clinic.toml,
read and validated once per build.

Everything a template or the structured data says about the clinic comes from
the `Site` built here, so a clinic edits one file and every page follows.
Every problem names the file, the key and the fix.
"""

from __future__ import annotations

import datetime as dt
import re
import string
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .errors import ContentError
from .safety import SafetyProfile, load_profile

# Bidirectional control characters can make text read differently from what
# it says (a name that shows one thing and links another): never allowed.
BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _https(value: str) -> str:
    if not re.match(r"^https://[^\s/?#]+\.[^\s/?#]+(/\S*)?$", value):
        raise ValueError(f'"{value}" is not an https:// address — write the full address starting with https://')
    return value


def _phone(value: str) -> str:
    digits = re.sub(r"[\s().-]", "", value)
    if not re.fullmatch(r"\+[1-9]\d{6,14}", digits):
        raise ValueError(
            f'"{value}" is not a phone number in international form — write + and the country code, '
            'then the number, e.g. "+1 202-555-0142" (spaces and dashes are fine)'
        )
    return value


def _email(value: str) -> str:
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", value):
        raise ValueError(f'"{value}" is not an email address — e.g. "appointments@your-clinic.com"')
    return value


Https = Annotated[str, AfterValidator(_https)]
Phone = Annotated[str, AfterValidator(_phone)]
Email = Annotated[str, AfterValidator(_email)]
Text = Annotated[str, Field(min_length=1)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
DAY = r"(Mo|Tu|We|Th|Fr|Sa|Su)"
HOURS = re.compile(rf"^{DAY}(-{DAY})?(,{DAY}(-{DAY})?)* \d\d:\d\d-\d\d:\d\d$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Address(_Strict):
    street: Text
    locality: Text
    region: Text
    postal_code: Text
    # ISO 3166-1 alpha-2: picks the urgent-care advice in safety/<country>.toml.
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]

    @property
    def one_line(self) -> str:
        return ", ".join([self.street, self.locality, f"{self.region} {self.postal_code}", self.country])


def _hours_format(value: list[str]) -> list[str]:
    for item in value:
        if not HOURS.match(item):
            raise ValueError(f'"{item}" is not in schema.org openingHours form, e.g. "Mo-Fr 09:00-17:00"')
    return value


def _tel(phone: str) -> str:
    """A phone number as a tel: URI (digits and a leading +)."""
    return "tel:" + "".join(ch for ch in phone if ch.isdigit() or ch == "+")


class Clinic(_Strict):
    name: Text
    type: Literal["MedicalClinic", "Physiotherapy"]
    description: Text
    url: Https
    # The clinic's own booking page (its booking system's home): every
    # booking link falls back to it.
    booking_url: Https
    email: Email
    treats: list[Text]


TIME = r"([01]\d|2[0-3]):[0-5]\d"


class Closure(_Strict):
    """Days a location is closed (a holiday): `start` to `end`, both included."""

    name: Text
    start: dt.date
    end: dt.date | None = None

    @property
    def last(self) -> dt.date:
        return self.end or self.start

    @model_validator(mode="after")
    def _ordered(self) -> Closure:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start} — swap them")
        return self


class SpecialHours(_Strict):
    """One day a location keeps other hours than usual."""

    name: Text
    date: dt.date
    hours: Annotated[str, Field(pattern=rf"^{TIME}-{TIME}$")]

    @property
    def start(self) -> dt.date:
        return self.date

    @property
    def last(self) -> dt.date:
        return self.date


class Location(_Strict):
    """A place patients come to: its own page at /locations/<key>/, its own
    address, phone, hours, closures and map."""

    # What the location is called beside its address; empty: the clinic's name.
    name: str = ""
    address: Address
    phone: Phone
    opening_hours: Annotated[list[str], AfterValidator(_hours_format)]
    # Opens the address in OpenStreetMap (a link: no request until followed).
    map_url: Https
    # A map image committed under content/ (e.g. "images/map.svg"): the page
    # shows it from our own server. Empty: links only.
    map_image: str = ""
    map_alt: str = ""
    map_credit: str = ""  # the map's attribution, e.g. "© OpenStreetMap contributors"
    closures: list[Closure] = []
    special_hours: list[SpecialHours] = []
    # This location's id in the booking system ({location} in [booking]).
    booking_id: str = ""

    @property
    def phone_href(self) -> str:
        return _tel(self.phone)

    @model_validator(mode="after")
    def _dates(self) -> Location:
        if self.map_image and not (self.map_alt and self.map_credit):
            raise ValueError("map_image is set: add map_alt (what the map shows) and map_credit (whose map it is)")
        days = sorted([*self.closures, *self.special_hours], key=lambda d: d.start)
        for before, after in zip(days, days[1:]):
            if after.start <= before.last:
                raise ValueError(f'"{before.name}" ({before.start} to {before.last}) and "{after.name}" '
                                 f"({after.start}) overlap — give each day one entry")
        return self


class Service(_Strict):
    """A treatment the clinic offers: its page at /services/<key>/."""

    name: Text
    topic: Text  # the treatment topic whose hub and posts go with it
    # What it is. Quote a source article (`source`: its file under content/,
    # e.g. "posts/2026-11-22-x.md") or a public authority (`source_url` and
    # `source_name`): derived text never says more than its source.
    description: Text
    source: str = ""
    source_url: Https | None = None
    source_name: str = ""
    # What a first visit for this involves at this clinic, in the clinic's
    # own words (never borrowed from an article). Empty: "ask when you book".
    first_visit: str = ""
    booking_id: str = ""

    @model_validator(mode="after")
    def _sourced(self) -> Service:
        if bool(self.source) == bool(self.source_url):
            raise ValueError('description: name its source — either source = "posts/<file>.md" (a source article) '
                             'or source_url and source_name (a public authority), not both')
        if self.source_url and not self.source_name:
            raise ValueError("source_url is set: add source_name, the authority's name")
        return self


BOOKING_FIELDS = ("location", "practitioner", "service")


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _booking_template(value: str) -> str:
    if not value:
        return value
    try:
        names = _placeholders(value)
    except ValueError:
        raise ValueError(f'"{value}": a {{ without its }} — placeholders are {{location}}, {{practitioner}}, {{service}}') from None
    unknown = sorted(names - set(BOOKING_FIELDS))
    if unknown:
        raise ValueError(f"{{{unknown[0]}}} is not a placeholder — use {{location}}, {{practitioner}} or {{service}} "
                         "(the booking_id of that location, author or service)")
    return _https(value)


BookingTemplate = Annotated[str, AfterValidator(_booking_template)]


class Booking(_Strict):
    """Deep links into the clinic's booking system (README: Booking links).
    Each is a template; a link whose ids are not all set falls back to the
    location's page in the booking system, then to clinic.booking_url."""

    system: str = ""  # for people: "Jane", "Cliniko", …
    location: BookingTemplate = ""
    practitioner: BookingTemplate = ""
    service: BookingTemplate = ""
    practitioner_service: BookingTemplate = ""


class Privacy(_Strict):
    """Facts for /privacy/ that only the clinic knows."""

    # What the web server records about a visit, in plain words.
    server_logs: Text = "The web server keeps no record of the pages people visit."
    # How long web server error logs are kept, in days.
    error_log_days: int = Field(14, ge=0, le=400)


class Accessibility(_Strict):
    """Facts for /accessibility/ that only the clinic knows."""

    # When the statement was last reviewed.
    reviewed: dt.date
    # Known problems the clinic has not fixed yet, in plain words.
    known_limitations: list[Text] = []


class Credential(_Strict):
    name: Text
    meaning: Text
    awarded_by: Text
    url: Https


class Author(_Strict):
    kind: Literal["person", "organization"]
    slug: Slug
    job_title: Text
    credentials: list[str] = []
    bio: Text  # Markdown
    # "staff": works at the clinic (worksFor, "Our practitioners", "Book with
    # <name>"); "guest": writes for the blog only.
    affiliation: Literal["staff", "guest"]
    # A clinician may review posts (reviewed_by).
    clinician: bool = False
    # Staff practitioners: the services they provide (keys of [services]) and
    # their id in the booking system ({practitioner} in [booking]).
    services: list[str] = []
    booking_id: str = ""
    photo: str = ""
    years_in_practice: str = ""
    registration_number: str = ""

    @model_validator(mode="after")
    def _people_review(self) -> Author:
        if self.clinician and self.kind != "person":
            raise ValueError('clinician: only a person can review posts — set clinician = false or kind = "person"')
        return self


class Topic(_Strict):
    name: Text
    kind: Literal["condition", "treatment"]
    summary: Text


class Category(_Strict):
    # "source": an author's own article, copied with its wording kept (it
    # needs `provenance`); "guide": written for this blog from the sources.
    kind: Literal["source", "guide"]
    description: Text


class Reviews(_Strict):
    # A health page's next review is due this many months after its last.
    every_months: int = Field(12, ge=1, le=60)
    # What a production build does with an overdue review.
    overdue: Literal["error", "warn"] = "error"


class Editorial(_Strict):
    # What the blog is about, in a few words: the home page's title and the
    # listings' descriptions.
    about: Text
    # Shown at the top of every source article.
    source_note: Text
    disclaimer: Text
    # Clinical words patients of this blog must read anyway: the readability
    # score counts each as one short word.
    clinical_terms: list[Text] = []


class Site(_Strict):
    placeholder: bool
    clinic: Clinic
    locations: dict[Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")], Location] = Field(min_length=1)
    services: dict[Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")], Service] = {}
    booking: Booking = Booking()
    privacy: Privacy = Privacy()
    accessibility: Accessibility
    reviews: Reviews = Reviews()
    editorial: Editorial
    categories: dict[str, Category] = Field(min_length=1)
    authors: dict[str, Author] = Field(min_length=1)
    credentials: dict[str, Credential] = {}
    topics: dict[str, Topic] = Field(min_length=1)
    # Not in clinic.toml: the profile of the clinic's country (safety/).
    safety: SafetyProfile | None = None

    @field_validator("authors")
    @classmethod
    def _unique_slugs(cls, value: dict[str, Author]) -> dict[str, Author]:
        slugs = [a.slug for a in value.values()]
        dupes = sorted({s for s in slugs if slugs.count(s) > 1})
        if dupes:
            raise ValueError(f"author slugs must be unique; repeated: {dupes} — give each author its own slug")
        return value

    @model_validator(mode="after")
    def _credentials_explained(self) -> Site:
        for name, author in self.authors.items():
            for cred in author.credentials:
                if cred not in self.credentials:
                    raise ValueError(
                        f'authors."{name}".credentials: "{cred}" has no [credentials."{cred}"] '
                        "entry explaining it — add one"
                    )
        return self

    @model_validator(mode="after")
    def _references(self) -> Site:
        countries = {loc.address.country for loc in self.locations.values()}
        if len(countries) > 1:
            raise ValueError(f"locations: all in one country (its urgent-care advice is on every page), not {sorted(countries)}")
        for key, service in self.services.items():
            topic = self.topics.get(service.topic)
            if topic is None or topic.kind != "treatment":
                known = ", ".join(k for k, t in self.topics.items() if t.kind == "treatment")
                raise ValueError(f'services.{key}.topic: "{service.topic}" is not a treatment topic — use one of: {known}')
        for name, author in self.authors.items():
            for service in author.services:
                if service not in self.services:
                    raise ValueError(f'authors."{name}".services: "{service}" is not a service — add [services.{service}] '
                                     f"or use one of: {', '.join(self.services) or '(none yet)'}")
            if author.services and (author.affiliation != "staff" or author.kind != "person"):
                raise ValueError(f'authors."{name}".services: only a person on the staff provides services here — '
                                 'set affiliation = "staff" or remove services')
        return self

    @property
    def main_location(self) -> Location:
        """The first location: the clinic's address in the footer and its
        structured data; with one location, /book/ is its booking page."""
        return next(iter(self.locations.values()))

    @property
    def country(self) -> str:
        return self.main_location.address.country

    @property
    def practitioners(self) -> list[str]:
        """Staff practitioners: people on the staff (not the editorial team)."""
        return [name for name, a in self.authors.items() if a.affiliation == "staff" and a.kind == "person"]

    def location_name(self, location: Location) -> str:
        return location.name or self.clinic.name

    def booking_link(self, location: Location | None = None, practitioner: str | None = None,
                     service: str | None = None) -> str:
        """The most specific booking link the ids allow (README: Booking links)."""
        location = location or self.main_location
        ids = {"location": location.booking_id,
               "practitioner": self.authors[practitioner].booking_id if practitioner else "",
               "service": self.services[service].booking_id if service else ""}
        templates = []
        if practitioner and service:
            templates.append(self.booking.practitioner_service)
        if practitioner:
            templates.append(self.booking.practitioner)
        if service:
            templates.append(self.booking.service)
        templates.append(self.booking.location)
        for template in templates:
            if template and all(ids[name] for name in _placeholders(template)):
                return template.format(**ids)
        return self.clinic.booking_url

    @property
    def default_category(self) -> str:
        """A post without `category`: the first guide category (a post is an
        author's copied article only when it says so)."""
        return next((k for k, c in self.categories.items() if c.kind == "guide"), next(iter(self.categories)))

    @property
    def clinicians(self) -> list[str]:
        return [name for name, a in self.authors.items() if a.clinician]

    @property
    def staff(self) -> list[str]:
        return [name for name, a in self.authors.items() if a.affiliation == "staff"]

    def conditions(self, topic_keys) -> list[str]:
        return [k for k in topic_keys if self.topics[k].kind == "condition"]


# What to write when pydantic reports a key missing or of the wrong type.
FIXES = {
    "placeholder": "write placeholder = true while the clinic details are examples, false once they are real",
    "country": 'write the ISO 3166-1 two-letter code in capitals, e.g. country = "US"',
    "slug": "use lower-case words joined by hyphens, e.g. \"byron-lam\"",
    "affiliation": 'write affiliation = "staff" if they work at the clinic, "guest" if they only write for the blog',
    "kind": "see the comment above this table in clinic.toml for the allowed values",
    "type": 'write type = "MedicalClinic" or "Physiotherapy"',
    "every_months": "write a whole number of months between 1 and 60",
    "locations": 'add a [locations.<name>] table with address, phone, opening_hours and map_url (see the README)',
    "accessibility": "add [accessibility] with reviewed = the date the accessibility statement was last checked",
    "reviewed": "write the date the accessibility statement was last checked, e.g. reviewed = 2026-12-02",
    "hours": 'write opening and closing times, e.g. hours = "09:00-13:00"',
    "start": "write the first day closed, e.g. start = 2026-12-25",
    "date": "write the day, e.g. date = 2026-12-24",
    "overdue": 'write overdue = "error" or "warn"',
}


def load_site(path: str | Path, safety_dir: str | Path | None = None) -> Site:
    """Read and validate clinic.toml (and the safety profile of its country);
    raise ContentError naming the file, each bad key and the fix."""
    path = Path(path)
    name = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ContentError(f"{path}: not found — the build needs the clinic's settings file (CLINICSITE_CLINIC_FILE)") from None
    except UnicodeDecodeError as exc:
        raise ContentError(f"{name}: not UTF-8 (byte {exc.start}) — save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"at line (\d+)", str(exc))
        where = f"{name}:{line.group(1)}" if line else name
        raise ContentError(
            f"{where}: invalid TOML ({str(exc).split(' (at')[0]}) — check the quotes, brackets and "
            "`key = value` form on that line"
        ) from None
    problems = [f"{name}: {key}: contains an invisible text-direction character — retype that value"
                for key in _bidi_keys(data)]
    if problems:
        raise ContentError("\n".join(problems))
    try:
        site = Site.model_validate(data)
    except ValidationError as exc:
        raise ContentError("\n".join(_explain(exc, name))) from None
    if safety_dir is not None:
        site = site.model_copy(update={"safety": load_profile(Path(safety_dir), site, name)})
    return site


def _bidi_keys(data, prefix: str = ""):
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _bidi_keys(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _bidi_keys(value, f"{prefix}[{i}]")
    elif isinstance(data, str) and BIDI.search(data):
        yield prefix


def _explain(exc: ValidationError, name: str) -> list[str]:
    problems = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        where = ".".join(loc) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        last = next((p for p in reversed(loc) if not p.isdigit()), "")
        if err["type"] == "missing":
            problems.append(f"{name}: {where}: missing — add it ({FIXES.get(last, 'see the README, clinic settings')})")
        elif err["type"] == "extra_forbidden":
            problems.append(f"{name}: {where}: unknown key — remove it or check its spelling (see the README, clinic settings)")
        elif err["type"] == "string_pattern_mismatch" and last in FIXES:
            problems.append(f"{name}: {where}: {err['input']!r} — {FIXES[last]}")
        elif err["type"] == "literal_error" and last in FIXES:
            problems.append(f"{name}: {where}: {msg} — {FIXES[last]}")
        else:
            problems.append(f"{name}: {where}: {msg}")
    return problems
