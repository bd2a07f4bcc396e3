"""The clinic's facts, authors, topics and editorial settings: clinic.toml,
read and validated once per build.

Everything a template or the structured data says about the clinic comes from
the `Site` built here, so a clinic edits one file and every page follows.
Every problem names the file, the key and the fix.
"""

from __future__ import annotations

import re
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


class Clinic(_Strict):
    name: Text
    type: Literal["MedicalClinic", "Physiotherapy"]
    description: Text
    url: Https
    booking_url: Https
    phone: Phone
    email: Email
    map_url: Https
    treats: list[Text]
    opening_hours: list[str]
    address: Address

    @property
    def phone_href(self) -> str:
        """The phone number as a tel: URI (digits and a leading +)."""
        return "tel:" + "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")

    @field_validator("opening_hours")
    @classmethod
    def _hours_format(cls, value: list[str]) -> list[str]:
        for item in value:
            if not HOURS.match(item):
                raise ValueError(f'"{item}" is not in schema.org openingHours form, e.g. "Mo-Fr 09:00-17:00"')
        return value


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
