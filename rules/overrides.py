"""A clinic's overlay on the rules (``RULES_OVERRIDES``, YAML), checked at load.

Clinics disagree on some rules (bipolar disorder is a review here and a contraindication
elsewhere). The overlay lets a clinic, without forking the code:

- change a rule's ``severity`` or ``urgent``, with a stated ``why``;
- turn a rule off (``disabled: true``), with a stated ``why``;
- add ``drugs`` to the curated table (generic, classes, brands, aliases, misspellings);
- add ``brands`` (or other names) to a drug already in the table.

Everything is validated as strictly as the catalogue: an unknown rule, drug or class, a
bad severity or an unknown key fails at load with the file and the line. The overlay's
hash is part of the engine version stamped on every screening, so a stored screening
always says which overlay judged it.

The fail-safe rule ``medication_unrecognized`` cannot be turned off or lowered below
``review`` (an unread medicine must reach a clinician), and a rule that is urgent in the
catalogue (same-day contact) cannot be turned off or made non-urgent.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.vocab import Severity
from rules.catalogue import SEVERITIES, CatalogueFile, Rule
from rules.lexicon import DrugDef, LexiconFile
from rules.text import key

ENV_VAR = "RULES_OVERRIDES"
FAIL_SAFE_RULES: dict[str, Severity] = {"medication_unrecognized": "review"}  # rule -> lowest severity
_RANK = {s: i for i, s in enumerate(SEVERITIES)}


class OverridesError(ValueError):
    """The overlay file is wrong; the message names the file and the line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleOverride(_Strict):
    severity: Severity | None = None
    urgent: bool | None = None
    disabled: bool = False  # turned off (YAML reads a bare "off" key as false, hence the name)
    why: str = Field(min_length=10)  # every change says why: it is shown to clinicians


class DrugNames(_Strict):
    brands: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    misspellings: tuple[str, ...] = ()


class OverridesFile(_Strict):
    name: str = Field(default="", max_length=100)  # the clinic or policy, for people
    rules: dict[str, RuleOverride] = {}
    drugs: tuple[DrugDef, ...] = ()
    names: dict[str, DrugNames] = {}  # generic already in the table -> names to add


@dataclass(frozen=True)
class Overlay:
    """A validated overlay, its source and its content hash."""

    source: str
    data: OverridesFile
    digest: str  # sha256 of the validated content (comments and layout do not count)
    lines: dict[tuple[str | int, ...], int]  # YAML path -> line, for messages

    @property
    def short_hash(self) -> str:
        return self.digest[:12]

    def line(self, *path: str | int) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None

    def where(self, *path: str | int) -> str:
        line = self.line(*path)
        return f"{self.source}: line {line}" if line else self.source

    @property
    def disabled(self) -> dict[str, str]:
        """Rules turned off, with why."""
        return {rule_id: o.why for rule_id, o in self.data.rules.items() if o.disabled}

    # -- applying ------------------------------------------------------------------------
    def apply_to_lexicon(self, data: LexiconFile, source: str) -> tuple[LexiconFile, dict[int, str]]:
        """The drug table with the overlay's drugs and names added, and where each changed
        entry came from (for the lexicon's own collision messages)."""
        origins: dict[int, str] = {}
        drugs = list(data.drugs)
        index = {d.generic.strip().lower(): i for i, d in enumerate(drugs)}
        owner = _name_owners(data)

        def check_names(names: tuple[str, ...], generic: str, where: str) -> None:
            for name in names:
                other = owner.get(key(name))
                if other is not None and other != generic:
                    raise OverridesError(f"{where}: name {name!r} already names {other!r} in "
                                         f"{source}; one name must map to one drug")
                owner[key(name)] = generic

        for generic, names in self.data.names.items():
            i = index.get(generic.strip().lower())
            if i is None:
                raise OverridesError(f"{self.where('names', generic)}: names: {generic!r} is not a "
                                     f"generic in {source}; add it under drugs instead")
            drug = drugs[i]
            check_names(names.brands + names.aliases + names.misspellings, drug.generic.strip().lower(),
                        self.where("names", generic))
            drugs[i] = drug.model_copy(update={
                "brands": drug.brands + names.brands, "aliases": drug.aliases + names.aliases,
                "misspellings": drug.misspellings + names.misspellings})
            origins[i] = f"{self.where('names', generic)}: names for {generic!r}"
        for k, drug in enumerate(self.data.drugs):
            where = self.where("drugs", k)
            generic = drug.generic.strip().lower()
            if generic in index:
                raise OverridesError(f"{where}: drugs: {drug.generic!r} is already in {source}; "
                                     "add names to it under names instead")
            unknown = [c for c in drug.classes if c not in data.classes]
            if unknown:
                raise OverridesError(f"{where}: drugs: unknown drug class {unknown[0]!r} "
                                     f"(known: {', '.join(sorted(data.classes))})")
            check_names((drug.generic, *drug.aliases, *drug.brands, *drug.misspellings), generic, where)
            index[generic] = len(drugs)
            origins[len(drugs)] = f"{where}: drugs[{k}] ({drug.generic})"
            drugs.append(drug)
        return data.model_copy(update={"drugs": tuple(drugs)}), origins

    def apply_to_catalogue(self, catalogue: CatalogueFile) -> CatalogueFile:
        known = {r.id: r for r in catalogue.rules}
        for rule_id, change in self.data.rules.items():
            where = f"{self.where('rules', rule_id)}: rules: {rule_id}"
            rule = known.get(rule_id)
            if rule is None:
                raise OverridesError(f"{where}: unknown rule (known: {', '.join(sorted(known))})")
            if change.disabled and (change.severity is not None or change.urgent is not None):
                raise OverridesError(f"{where}: a disabled rule takes no severity or urgent")
            if not change.disabled and change.severity is None and change.urgent is None:
                raise OverridesError(f"{where}: says nothing to change (severity, urgent or disabled)")
            floor = FAIL_SAFE_RULES.get(rule_id)
            severity = change.severity or rule.severity
            if floor is not None and (change.disabled or _RANK[severity] > _RANK[floor]):
                raise OverridesError(f"{where}: is the fail-safe rule: it cannot be turned off or "
                                     f"set below {floor}")
            if rule.urgent and (change.disabled or change.urgent is False):
                raise OverridesError(f"{where}: is urgent (same-day contact): it cannot be turned "
                                     "off or made non-urgent")
        rules: list[Rule] = []
        for rule in catalogue.rules:
            found = self.data.rules.get(rule.id)
            if found is None:
                rules.append(rule)
            elif not found.disabled:
                # the flag's source says why this clinic judges it differently
                update: dict[str, Any] = {"note": f"clinic override: {found.why}",
                                          "source": f"{rule.source}; clinic override: {found.why}"}
                if found.severity is not None:
                    update["severity"] = found.severity
                if found.urgent is not None:
                    update["urgent"] = found.urgent
                rules.append(rule.model_copy(update=update))
        return catalogue.model_copy(update={"rules": tuple(rules)})


def _name_owners(data: LexiconFile) -> dict[str, str]:
    """Every name key in the drug table -> the generic (or combination) it names."""
    owner: dict[str, str] = {}
    for drug in data.drugs:
        generic = drug.generic.strip().lower()
        for name in (drug.generic, *drug.aliases, *drug.brands, *drug.misspellings):
            owner.setdefault(key(name), generic)
    for combo in data.combinations:
        for name in (combo.name, *combo.aliases, *combo.misspellings):
            owner.setdefault(key(name), combo.name)
    return owner


def _node_lines(node: yaml.Node, path: tuple[str | int, ...], out: dict[tuple[str | int, ...], int],
                source: str) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            name = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark)
            if name in seen:
                raise OverridesError(f"{source}: line {key_node.start_mark.line + 1}: "
                                     f"{'.'.join(map(str, (*path, name)))}: is given twice")
            seen.add(name)
            out[(*path, name)] = key_node.start_mark.line + 1
            _node_lines(value_node, (*path, name), out, source)
            out[(*path, name)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _node_lines(item, (*path, i), out, source)


def parse_overrides(text: str, source: str) -> Overlay:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise OverridesError(f"{source}: cannot read: {err}") from None
    lines: dict[tuple[str | int, ...], int] = {}
    if node is not None:
        _node_lines(node, (), lines, source)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise OverridesError(f"{source}: line 1: the overlay is a mapping of name, rules, drugs, names")
    try:
        data = OverridesFile.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        loc = tuple(first["loc"])
        line = next((lines[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in lines), None)
        where = ".".join(str(p) for p in loc) or "(top)"
        hint = ""
        if first["type"] == "dict_type" or "Keys should be strings" in first["msg"]:
            hint = " (YAML reads a bare yes/no/on/off as true/false: quote it)"
        prefix = f"{source}: line {line}" if line else source
        raise OverridesError(f"{prefix}: {where}: {first['msg']}{hint}") from None
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return Overlay(source=source, data=data, digest=digest, lines=lines)


def load_overrides(path: Path) -> Overlay:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise OverridesError(f"{path}: cannot read: {err}") from None
    return parse_overrides(text, str(path))
