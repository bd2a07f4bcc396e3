"""clinic.toml and the safety profiles are validated at start-up: every bad
entry is refused with the file, the key and the fix (units of
clinicsite.config and clinicsite.safety, no build)."""

from __future__ import annotations

import shutil

import pytest
import tomli_w
from sitekit import FIXTURE_CLINIC, REPO, merge

from clinicsite.config import load_site
from clinicsite.errors import ContentError


def load(tmp_path, changes=None, text=None, safety=None):
    path = tmp_path / "clinic.toml"
    path.write_text(text if text is not None else tomli_w.dumps(merge(FIXTURE_CLINIC, changes or {})), encoding="utf-8")
    folder = tmp_path / "safety"
    if not folder.exists():
        shutil.copytree(REPO / "safety", folder)
    for name, content in (safety or {}).items():
        (folder / name).write_text(content, encoding="utf-8")
    return load_site(path, folder)


def refused(tmp_path, **kw) -> str:
    with pytest.raises(ContentError) as info:
        load(tmp_path, **kw)
    return str(info.value)


def test_the_fixture_clinic_and_the_real_one_load(tmp_path):
    site = load(tmp_path)
    assert site.safety.code == "US" and site.clinicians == ["Dana Staff", "Gus Guest"]
    real = load_site(REPO / "clinic.toml", REPO / "safety")
    assert real.placeholder and real.safety.code == real.country


@pytest.mark.parametrize("changes, needles", [
    ({"locations": {"testville": {"phone": "call us"}}}, ["clinic.toml: locations.testville.phone", "+ and the country code"]),
    ({"locations": {"testville": {"phone": ""}}}, ["locations.testville.phone"]),
    ({"clinic": {"email": "front desk"}}, ["clinic.email", "not an email address"]),
    ({"clinic": {"booking_url": "http://booking.example.com/x"}}, ["clinic.booking_url", "https://"]),
    ({"clinic": {"name": None}}, ["clinic.toml: clinic.name: missing"]),
    ({"locations": {"testville": {"opening_hours": ["weekdays 9 to 5"]}}}, ["locations.testville.opening_hours", "Mo-Fr 09:00-17:00"]),
    ({"locations": {"testville": {"address": {"country": "usa"}}}}, ["locations.testville.address.country", "two-letter code"]),
    ({"locations": None}, ["clinic.toml: locations: missing", "[locations.<name>]"]),
    # Services, practitioners, booking links, closures (the marketing pages).
    ({"authors": {"Dana Staff": {"services": ["massage"]}}}, ['authors."Dana Staff".services: "massage" is not a service',
                                                           "[services.massage]", "physical-therapy"]),
    ({"authors": {"Gus Guest": {"services": ["dry-needling"]}}}, ['authors."Gus Guest".services', 'affiliation = "staff"']),
    ({"services": {"dry-needling": {"description": None}}}, ["services.dry-needling.description: missing"]),
    ({"services": {"dry-needling": {"source_url": None}}}, ["services.dry-needling", "name its source"]),
    ({"services": {"dry-needling": {"topic": "sciatica"}}}, ['services.dry-needling.topic: "sciatica" is not a treatment topic',
                                                         "physical-therapy"]),
    ({"booking": {"practitioner": "https://x.janeapp.com/#/staff_member/{staff}"}}, ["booking.practitioner", "{staff} is not a placeholder",
                                                                                     "{practitioner}"]),
    ({"booking": {"location": "http://x.janeapp.com/{location}"}}, ["booking.location", "https://"]),
    ({"locations": {"testville": {"closures": [{"name": "Winter break", "start": "2026-12-24", "end": "2026-12-26"},
                                       {"name": "Boxing Day", "start": "2026-12-26"}]}}},
     ['locations.testville: "Winter break"', "overlap", "one entry"]),
    ({"locations": {"testville": {"special_hours": [{"name": "Eve", "date": "2026-12-25", "hours": "09:00-12:00"}]}}}, ["Winter break", "Eve", "overlap"]),
    ({"locations": {"testville": {"closures": [{"name": "Backwards", "start": "2026-12-26", "end": "2026-12-24"}]}}}, ["closures.0", "before start", "swap"]),
    ({"locations": {"testville": {"special_hours": [{"name": "Eve", "date": "2026-12-30", "hours": "9 to 12"}]}}}, ["special_hours.0.hours", '"09:00-13:00"']),
    ({"locations": {"testville": {"map_image": "images/map.svg"}}}, ["locations.testville", "map_alt", "map_credit"]),
    ({"accessibility": None}, ["accessibility: missing", "reviewed ="]),
    ({"authors": {"Gus Guest": {"affiliation": "friend"}}}, ['authors.Gus Guest.affiliation', '"staff"']),
    ({"authors": {"Editorial team": {"clinician": True}}}, ["only a person can review posts"]),
    ({"authors": {"Dana Staff": {"credentials": ["PhD"]}}}, ['"PhD" has no [credentials."PhD"]']),
    ({"authors": {"Gus Guest": {"bio": "Ignore \u202eprevious"}}}, ["authors.Gus Guest.bio", "text-direction"]),
    ({"reviews": {"overdue": "ignore"}}, ["reviews.overdue", '"error" or "warn"']),
    ({"colour": "teal"}, ["colour: unknown key"]),
])
def test_bad_entries_name_the_key_and_the_fix(tmp_path, changes, needles):
    message = refused(tmp_path, changes=changes)
    for needle in needles:
        assert needle in message, message


def test_a_toml_syntax_error_names_the_file_and_line(tmp_path):
    text = (REPO / "tests" / "fixtures" / "clinic.toml").read_text(encoding="utf-8").replace(
        'name = "Fixture Clinic"', 'name = "Fixture Clinic'
    )
    message = refused(tmp_path, text=text)
    assert message.startswith("clinic.toml:8: invalid TOML"), message


def test_a_country_without_a_profile_names_the_key_and_how_to_add_one(tmp_path):
    message = refused(tmp_path, changes={"locations": {"testville": {"address": {"country": "FR"}}}})
    assert 'clinic.toml: locations.*.address.country: "FR" has no safety profile' in message
    assert "add safety/FR.toml" in message and "README" in message and "US" in message


def test_a_condition_without_signs_in_the_profile_is_refused(tmp_path):
    message = refused(tmp_path, changes={"locations": {"testville": {"address": {"country": "IE"}}}})
    assert "safety/IE.toml: conditions.sciatica: missing" in message
    assert "health authority page of Ireland" in message


def test_a_profile_fact_without_an_https_source_is_refused(tmp_path):
    text = (REPO / "safety" / "US.toml").read_text(encoding="utf-8").replace(
        "https://medlineplus.gov/", "http://medlineplus.gov/"
    )
    message = refused(tmp_path, safety={"US.toml": text})
    assert "safety/US.toml: sources.medlineplus-er.url" in message and "https://" in message


def test_a_route_citing_no_known_source_is_refused(tmp_path):
    text = (REPO / "safety" / "US.toml").read_text(encoding="utf-8").replace(
        'source = "mayo-sciatica"', 'source = "mayo"', 1
    )
    message = refused(tmp_path, safety={"US.toml": text})
    assert '"mayo" is not in [sources]' in message


def test_same_as_needs_a_reason(tmp_path):
    text = (REPO / "safety" / "US.toml").read_text(encoding="utf-8")
    start = text.index("because = ")
    text = text[:start] + text[text.index("\n", start) + 1:]
    assert "same_as needs `because`" in refused(tmp_path, safety={"US.toml": text})


@pytest.mark.parametrize("code", ["US", "GB", "AU", "IE", "NZ"])
def test_every_shipped_profile_cites_https_sources_for_every_route(code):
    import tomllib

    from clinicsite.safety import GRADES, SafetyProfile

    profile = SafetyProfile.model_validate(tomllib.loads((REPO / "safety" / f"{code}.toml").read_text(encoding="utf-8")))
    for grade in GRADES:
        assert profile.sources[getattr(profile, grade).source].url.startswith("https://")
