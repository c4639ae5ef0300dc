"""Provider sign-in in the store (store/sso.py): the role mapping (e-mail first, then the most
privileged mapped group), the local account created and kept at the mapped role, refusals
(no role, unusable or unverified e-mail, deactivated) audited, nothing created on refusal."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from store import get_user, list_audit, set_user_active
from store.models import AuditFilters
from store.sso import RoleMapping, SsoRefused, claims_of, sso_sign_in

MAPPING = RoleMapping(provider="clinic", groups={"clin": "clinician", "boss": "admin",
                                                 "records": "exporter", "desk": "front_desk"},
                      emails={"Chief@Clinic.test": "admin"})


@pytest.mark.parametrize(("email", "groups", "role"), [
    ("a@clinic.test", ["clin"], "clinician"),
    ("a@clinic.test", ["records", "clin", "other"], "clinician"),  # most privileged wins
    ("a@clinic.test", ["desk", "records"], "front_desk"),
    ("a@clinic.test", ["boss", "clin"], "admin"),
    ("chief@clinic.test", [], "admin"),  # by e-mail, case-insensitive
    ("chief@clinic.test", ["records"], "admin"),  # the e-mail entry wins over groups
    ("a@clinic.test", ["other"], None),
    (None, ["clin"], "clinician"),
    ("a@clinic.test", [], None),
])
def test_role_for(email, groups, role):
    assert MAPPING.role_for(email, groups) == role


@pytest.mark.parametrize(("claims", "expected"), [
    ({"email": "a@x.test", "groups": ["g", 3]}, ("a@x.test", ["g"])),
    ({"email": "a@x.test", "email_verified": False}, (None, [])),
    ({"email": 5, "groups": "g"}, (None, [])),
])
def test_claims_of(claims, expected):
    assert claims_of(claims) == expected


def test_a_typo_in_the_mapping_fails_naming_it():
    with pytest.raises(ValidationError, match=r"groups\.clin"):
        RoleMapping(provider="clinic", groups={"clin": "clinican"})
    with pytest.raises(ValidationError, match="grups"):
        RoleMapping.model_validate({"provider": "clinic", "grups": {}})


def test_first_sign_in_creates_the_account_and_later_ones_follow_the_mapping(store_db):
    view = sso_sign_in(MAPPING, {"email": "Carla@Clinic.test", "groups": ["clin"]})
    assert (view.username, view.role) == ("carla@clinic.test", "clinician")
    again = sso_sign_in(MAPPING, {"email": "carla@clinic.test", "groups": ["records"]})
    assert again.id == view.id and again.role == "exporter"  # the provider moved her
    successes, _ = list_audit(AuditFilters(action="login_success"))
    assert [r.details["via"] for r in successes] == ["oidc", "oidc"]
    changes, _ = list_audit(AuditFilters(action="user_update"))
    assert changes[0].details["changed"] == ["role"] and changes[0].actor == "oidc:clinic"


@pytest.mark.parametrize("claims", [
    {"email": "x@clinic.test", "groups": ["other"]},  # no role
    {"email": "x+tag@clinic.test", "groups": ["clin"]},  # not a usable username
    {"email": "x@clinic.test", "email_verified": False, "groups": ["clin"]},
    {"groups": ["clin"]},
])
def test_refusals_create_nothing_and_are_audited(store_db, claims):
    with pytest.raises(SsoRefused):
        sso_sign_in(MAPPING, claims)
    assert get_user("x@clinic.test") is None
    failures, total = list_audit(AuditFilters(action="login_failure"))
    assert total == 1 and failures[0].details["via"] == "oidc"


def test_a_deactivated_account_stays_out(store_db):
    sso_sign_in(MAPPING, {"email": "dana@clinic.test", "groups": ["clin"]})
    set_user_active("dana@clinic.test", False, actor="admin")
    with pytest.raises(SsoRefused, match="deactivated"):
        sso_sign_in(MAPPING, {"email": "dana@clinic.test", "groups": ["clin"]})
    assert get_user("dana@clinic.test").active is False
    assert list_audit(AuditFilters(action="login_success"))[1] == 1
