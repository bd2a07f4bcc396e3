"""The clinic's facts, authors and topics: read from clinic.toml, validated once.

Everything a template or the structured data says about the clinic comes from
the `Site` object built here, so a clinic edits one file and every page follows.
"""

from __future__ import annotations

from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    HttpUrl,
    ValidationError,
    field_validator,
    model_validator,
)

from .errors import ContentError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Address(_Strict):
    street: str
    locality: str
    region: str
    postal_code: str
    country: str

    @property
    def one_line(self) -> str:
        return ", ".join(
            [self.street, self.locality, f"{self.region} {self.postal_code}", self.country]
        )


class Clinic(_Strict):
    name: str
    type: Literal["MedicalClinic", "Physiotherapy"]
    description: str
    url: HttpUrl
    booking_url: HttpUrl
    phone: str
    email: str
    map_url: HttpUrl
    treats: list[str]
    opening_hours: list[str]
    address: Address

    @property
    def phone_href(self) -> str:
        """The phone number as a tel: URI (digits and a leading +)."""
        digits = "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")
        return f"tel:{digits}"

    @field_validator("opening_hours")
    @classmethod
    def _hours_format(cls, value: list[str]) -> list[str]:
        import re

        pattern = re.compile(
            r"^(Mo|Tu|We|Th|Fr|Sa|Su)(-(Mo|Tu|We|Th|Fr|Sa|Su))?"
            r"(,(Mo|Tu|We|Th|Fr|Sa|Su)(-(Mo|Tu|We|Th|Fr|Sa|Su))?)* "
            r"\d\d:\d\d-\d\d:\d\d$"
        )
        for item in value:
            if not pattern.match(item):
                raise ValueError(
                    f'"{item}" is not in schema.org openingHours form, e.g. "Mo-Fr 09:00-17:00"'
                )
        return value


class Credential(_Strict):
    name: str
    meaning: str
    awarded_by: str
    url: HttpUrl


class Author(_Strict):
    kind: Literal["person", "organization"]
    slug: str
    job_title: str
    credentials: list[str]
    bio: str
    photo: str = ""
    years_in_practice: str = ""
    registration_number: str = ""


class Topic(_Strict):
    name: str
    kind: Literal["condition", "treatment"]
    summary: str


class Disclaimer(_Strict):
    text: str


class SeekHelp(_Strict):
    text: str  # Markdown


class Site(_Strict):
    placeholder: bool
    clinic: Clinic
    authors: dict[str, Author]
    credentials: dict[str, Credential]
    topics: dict[str, Topic]
    disclaimer: Disclaimer
    seek_help: SeekHelp

    @field_validator("authors")
    @classmethod
    def _unique_slugs(cls, value: dict[str, Author]) -> dict[str, Author]:
        slugs = [a.slug for a in value.values()]
        dupes = {s for s in slugs if slugs.count(s) > 1}
        if dupes:
            raise ValueError(f"author slugs must be unique; repeated: {sorted(dupes)}")
        return value

    @model_validator(mode="after")
    def _credentials_explained(self) -> Site:
        for name, author in self.authors.items():
            for cred in author.credentials:
                if cred not in self.credentials:
                    raise ValueError(
                        f'authors."{name}".credentials: "{cred}" has no [credentials."{cred}"] '
                        "entry explaining it; add one"
                    )
        return self

    def author_by_slug(self, slug: str) -> tuple[str, Author] | None:
        for name, author in self.authors.items():
            if author.slug == slug:
                return name, author
        return None

    def topic_by_name(self, name: str) -> tuple[str, Topic] | None:
        for key, topic in self.topics.items():
            if topic.name == name:
                return key, topic
        return None


def load_site(data: dict, source: str = "clinic.toml") -> Site:
    """Validate the CLINIC_DATA setting; raise ContentError naming each bad key."""
    try:
        return Site.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            problems.append(f"{source}: {where}: {err['msg']}")
        raise ContentError("\n".join(problems)) from None
