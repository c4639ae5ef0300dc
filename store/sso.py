"""Sign-in through the clinic's identity provider (OpenID Connect, ``st.login``): which role
the provider's claims give, and the local account that reviews, notes and audit rows name.

The mapping is configuration (``[oidc_roles]`` in ``.streamlit/secrets.toml``, read by the
app and validated here): an e-mail listed under ``emails`` gets that role; otherwise each
of the user's ``groups`` listed under ``groups`` gives a role and the most privileged wins
(``admin``, ``clinician``, ``front_desk``, ``exporter``). Anyone else is refused.

The account is the user's e-mail address as username. It is created on the first sign-in
with a random password nobody knows (no local sign-in), its role follows the provider's
mapping at every sign-in, and an admin's ``deactivate`` still shuts it out. Every sign-in
and refusal is audited (``login_success``/``login_failure`` with ``via: oidc``).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from core.vocab import ROLE_PRECEDENCE, Role
from store import audit
from store.db import Store, get_store
from store.models import UserView
from store.schema import UserRow, utcnow
from store.users import HASHER, _view, check_username

# Most privileged first: a user in several mapped groups gets the first of these.
VIA = "oidc"


class SsoRefused(PermissionError):
    """The provider vouched for the user, but the clinic gives them no role (or the
    account is deactivated)."""


class RoleMapping(BaseModel):
    """``[oidc_roles]``: the provider section's name, a button label, and the mapping."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    provider: str = Field(min_length=1, max_length=64)
    label: str = Field(default="Sign in with the clinic's account", min_length=1, max_length=80)
    groups: dict[str, Role] = {}
    emails: dict[str, Role] = {}

    def role_for(self, email: str | None, groups: Sequence[str] | None) -> Role | None:
        if email:
            by_email = {k.strip().casefold(): v for k, v in self.emails.items()}
            found = by_email.get(email.strip().casefold())
            if found is not None:
                return found
        given = {self.groups[g] for g in groups or () if isinstance(g, str) and g in self.groups}
        return next((role for role in ROLE_PRECEDENCE if role in given), None)


def claims_of(user: Mapping[str, Any]) -> tuple[str | None, list[str]]:
    """The e-mail (only if the provider verified it, when it says) and the groups."""
    email = user.get("email")
    if not isinstance(email, str) or user.get("email_verified") is False:
        email = None
    groups = user.get("groups")
    return email, [g for g in groups if isinstance(g, str)] if isinstance(groups, list) else []


def sso_sign_in(mapping: RoleMapping, user: Mapping[str, Any], *,
                store: Store | None = None) -> UserView:
    """The local account for this provider sign-in, created or brought to the mapped role;
    SsoRefused (audited) when the clinic gives the user no role or deactivated them."""
    email, groups = claims_of(user)
    role = mapping.role_for(email, groups)
    store = store or get_store()
    username = None
    if email:
        try:
            username = check_username(email)
        except ValueError:
            username = None
    if role is None or username is None:
        reason = "no role" if username else "no usable e-mail"
        audit.record_audit(username or "unknown", audit.LOGIN_FAILURE, None,
                           {"via": VIA, "reason": reason}, store=store)
        raise SsoRefused("the identity provider signed you in, but this clinic has given your "
                         "account no role here: ask an administrator")
    deactivated = False
    with store.session() as session:
        row = session.scalar(select(UserRow).where(UserRow.username == username)
                             .with_for_update())
        if row is None:
            row = UserRow(username=username, role=role, active=True,
                          password_hash=HASHER.hash(secrets.token_urlsafe(32)))
            session.add(row)
            session.flush()
            audit.write_audit(session, f"{VIA}:{mapping.provider}", audit.USER_CREATE,
                              audit.target_of("user", row.id), {"role": role, "via": VIA})
        if not row.active:
            audit.write_audit(session, username, audit.LOGIN_FAILURE,
                              audit.target_of("user", row.id), {"via": VIA, "reason": "inactive"})
            deactivated = True
        elif row.role != role:
            audit.write_audit(session, f"{VIA}:{mapping.provider}", audit.USER_UPDATE,
                              audit.target_of("user", row.id),
                              {"changed": ["role"], "role": role, "via": VIA})
            row.role = role
        if not deactivated:
            row.last_login_at = utcnow()
            audit.write_audit(session, username, audit.LOGIN_SUCCESS,
                              audit.target_of("user", row.id), {"via": VIA, "role": role})
            session.flush()
            view = _view(row)
    if deactivated:
        raise SsoRefused("this account is deactivated: ask an administrator")
    return view
