"""Urgent-care advice as data: the safety profile of the clinic's country
(safety/<country>.toml) and the graded "When to get help" block every health
page shows (see safety/README.md).

A profile names what to do in an emergency, when it is urgent and when it can
wait, in the words of the country's health authority; for each condition
topic it lists the signs of each grade from an authority page. Every route
and list cites a source with an https address. Nothing here is in a template.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import ContentError

GRADES = ("emergency", "urgent", "non_urgent")
LABELS = {"emergency": "Emergency", "urgent": "Urgent", "non_urgent": "Non-urgent"}


def _https(value: str) -> str:
    if not value.startswith("https://"):
        raise ValueError(f'"{value}" is not an https:// address — link the authority\'s page over https')
    return value


def _iso_date(value: str) -> str:
    if value:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f'"{value}" is not a date — write the day you read the page, e.g. "2026-12-02", or ""') from None
    return value


Text = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    name: Text  # the authority, e.g. "NHS"
    title: Text  # the page's title
    url: Annotated[str, AfterValidator(_https)]
    # The day a person last read the cited words on the live page ("" if not yet).
    checked: Annotated[str, AfterValidator(_iso_date)] = ""


class Route(_Strict):
    heading: Text
    action: Text
    source: Text


class Signs(_Strict):
    lead: Text  # the authority's words before its list, e.g. "Go to A&E or call 999 if you:"
    signs: list[Text] = Field(min_length=1)
    note: str = ""
    source: Text


class Condition(_Strict):
    emergency: Signs | None = None
    urgent: Signs | None = None
    non_urgent: Signs | None = None
    # No authority page for this condition: show another condition's signs, and say why.
    same_as: str | None = None
    because: str = ""

    @model_validator(mode="after")
    def _signs_or_same_as(self) -> Condition:
        lists = [g for g in GRADES if getattr(self, g) is not None]
        if self.same_as and lists:
            raise ValueError("give either same_as or lists of signs, not both")
        if self.same_as and not self.because:
            raise ValueError("same_as needs `because`: a sentence saying whose signs are shown and why")
        if not self.same_as and not lists:
            raise ValueError("give the authority's signs in [emergency], [urgent] or [non_urgent], or same_as")
        return self


class SafetyProfile(_Strict):
    code: str = ""  # the file's name: an ISO 3166-1 alpha-2 code
    country: Text  # as in a sentence: "the United States"
    emergency: Route
    urgent: Route
    non_urgent: Route
    conditions: dict[str, Condition] = {}
    sources: dict[str, Source] = Field(min_length=1)

    @model_validator(mode="after")
    def _sources_exist(self) -> SafetyProfile:
        for where, key in self._citations():
            if key not in self.sources:
                known = ", ".join(self.sources)
                raise ValueError(f'{where}.source: "{key}" is not in [sources] — add [sources.{key}] or use one of: {known}')
        for key, cond in self.conditions.items():
            if cond.same_as and cond.same_as not in self.conditions:
                raise ValueError(f'conditions.{key}.same_as: "{cond.same_as}" is not a condition in this file')
        return self

    def _citations(self):
        for grade in GRADES:
            yield grade, getattr(self, grade).source
        for key, cond in self.conditions.items():
            for grade in GRADES:
                signs = getattr(cond, grade)
                if signs is not None:
                    yield f"conditions.{key}.{grade}", signs.source


def load_profile(folder: Path, site, clinic_file: str = "clinic.toml") -> SafetyProfile:
    """The profile of the clinic's country, checked against its condition topics."""
    code = site.country
    path = folder / f"{code}.toml"
    name = f"{folder.name}/{path.name}"
    if not path.is_file():
        have = ", ".join(sorted(p.stem for p in folder.glob("*.toml"))) or "none"
        raise ContentError(
            f'{clinic_file}: locations.*.address.country: "{code}" has no safety profile — add {name} '
            f"with that country's emergency, urgent and non-urgent care routes and its health authority's "
            f"signs for each condition topic (copy another file and follow {folder.name}/README.md). "
            f"Profiles exist for: {have}"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"at line (\d+)", str(exc))
        raise ContentError(f"{name}{':' + line.group(1) if line else ''}: invalid TOML ({exc}) — check that line") from None
    try:
        profile = SafetyProfile.model_validate({**data, "code": code})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            msg = err["msg"].removeprefix("Value error, ")
            fix = " — add it (see safety/README.md)" if err["type"] == "missing" else ""
            problems.append(f"{name}: {where}: {msg}{fix}")
        raise ContentError("\n".join(problems)) from None
    missing = [k for k, t in site.topics.items() if t.kind == "condition" and k not in profile.conditions]
    if missing:
        raise ContentError("\n".join(
            f"{name}: conditions.{key}: missing — topic \"{key}\" in {clinic_file} is a condition, so every post "
            f"about it shows when to get help: add [conditions.{key}.emergency] (and urgent, non_urgent) with the "
            f"signs from a health authority page of {profile.country}, or same_as another condition with `because`"
            for key in missing
        ))
    return profile


@dataclass
class SignGroup:
    condition: str  # the topic's name, shown when a page has signs of several conditions
    signs: Signs
    source: Source


@dataclass
class Tier:
    grade: str
    label: str  # "Emergency"
    heading: str
    action: str
    groups: list[SignGroup] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)


@dataclass
class HelpBlock:
    tiers: list[Tier]
    explanations: list[str]  # why a condition shows another's signs
    sources: list[Source]  # every source the block cites, once


def help_block(profile: SafetyProfile, topics: dict, condition_keys: list[str]) -> HelpBlock:
    """The graded block for a page about `condition_keys` (topic keys)."""
    resolved: dict[str, str] = {}  # the condition whose signs are shown -> its topic name
    explanations = []
    for key in condition_keys:
        cond = profile.conditions[key]
        if cond.same_as:
            if cond.same_as not in condition_keys:  # else the page is about that condition anyway
                explanations.append(cond.because)
            key = cond.same_as
        resolved.setdefault(key, topics[key].name if key in topics else key)
    tiers, used = [], []

    def cite(key: str) -> Source:
        source = profile.sources[key]
        if source not in used:
            used.append(source)
        return source

    for grade in GRADES:
        route = getattr(profile, grade)
        groups = [
            SignGroup(name, signs, cite(signs.source))
            for key, name in resolved.items()
            if (signs := getattr(profile.conditions[key], grade)) is not None
        ]
        heading = groups[0].signs.lead if len(groups) == 1 else route.heading
        tiers.append(Tier(grade, LABELS[grade], heading, route.action, groups, [cite(route.source)]))
    return HelpBlock(tiers, explanations, used)


def unchecked_sources(block: HelpBlock, today: dt.date, months: int) -> list[Source]:
    """The sources of `block` nobody has read live, or not within `months`."""
    from .rules import add_months

    return [s for s in block.sources if not s.checked or add_months(dt.date.fromisoformat(s.checked), months) < today]
