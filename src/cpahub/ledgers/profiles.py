"""Write operations on mapping profiles: make, change, clone, share and delete (pages and API end here).

Every function asks the permission gate itself (`MappingProfile.restrict_q`), whoever calls it.
Problems with the content raise `ValidationError` keyed by what is wrong ("name", "columns",
"organisation" or an option's name), so that forms and the API show them in place. Snapshots keep a
copy of the profile they were read with (`import_options`), so a profile can be changed or deleted
without making an earlier import unexplained.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cpahub.accounts.models import Organisation
from cpahub.core import textio as coretext
from cpahub.core.context import acting_as
from cpahub.core.permissions import CHANGE, DELETE, can_add, scope_for
from cpahub.ledgers import profile_fields
from cpahub.ledgers.choices import ProfileKind
from cpahub.ledgers.formats import FormatError
from cpahub.ledgers.formats.tabular.mapping import DIMENSION_LABELS
from cpahub.ledgers.formats.tabular.profiles import FIELDS, FLAG_OPTIONS, OPTIONS
from cpahub.ledgers.formats.textio import DATE_STYLES, option_delimiter, option_flag
from cpahub.ledgers.models import MappingProfile

CHOICES = {
    "encoding": ("auto", "utf-8", "gb18030", "utf-16"),
    "date_format": ("auto", *DATE_STYLES),
    "decimal": ("auto", ".", ","),
    "amount": ("auto", "debit_credit", "signed", "direction"),
    "chart": ("cas", "none"),
}
FLAG_DEFAULTS = {"strip_voucher_zeros": True, "fx_signed": False, "skip_totals": True}
AUXILIARY_STYLES = ("combined", "columns")
AUXILIARY_VALUES = ("code_name", "code")
# Options a saved profile may hold: all the reader knows but the choice of profile itself.
PROFILE_OPTIONS = tuple(o for o in OPTIONS if o != "profile")
NAME_LENGTH = MappingProfile._meta.get_field("name").max_length


# --- content ----------------------------------------------------------------------------------------


def clean_columns(kind: str, columns) -> dict[str, str]:
    """Source header → field, headers trimmed; every field known to `kind`, no header twice (as
    the reader compares them), the required fields present."""
    if kind not in FIELDS:
        raise ValidationError({"kind": _("Choose what the file holds.")})
    if not isinstance(columns, dict) or not columns:
        raise ValidationError({"columns": _("Map at least the required columns.")})
    cleaned: dict[str, str] = {}
    seen: dict[str, str] = {}
    problems = []
    for header, target in columns.items():
        header = " ".join(str(header).split())
        key = coretext.key(header)
        if not key:
            problems.append(_("A column needs a header name."))
            continue
        if target not in FIELDS[kind]:
            problems.append(
                _("%(header)s: %(field)s is not a field of this content.")
                % {"header": header, "field": target}
            )
            continue
        if key in seen:
            problems.append(
                _("The column %(header)s is mapped twice (also as %(other)s).")
                % {"header": header, "other": seen[key]}
            )
            continue
        seen[key] = header
        cleaned[header] = target
    missing = profile_fields.missing(kind, set(cleaned.values()))
    if missing:
        problems.append(_("Map a column for: %(fields)s.") % {"fields": "; ".join(str(m) for m in missing)})
    if problems:
        raise ValidationError({"columns": problems})
    return cleaned


def clean_options(kind: str, columns: dict[str, str], options) -> dict:
    """The options checked and without their default values; ValidationError by option name."""
    if options in (None, ""):
        return {}
    if not isinstance(options, dict):
        raise ValidationError({"options": _("The options must be an object of names and values.")})
    errors: dict[str, str] = {}
    cleaned: dict = {}
    for name, value in options.items():
        if name not in PROFILE_OPTIONS:
            errors[name] = _("Not an option of a mapping profile.")
            continue
        if value in (None, "", "auto"):
            continue
        try:
            result = _clean_option(name, value, set(columns.values()))
        except ValidationError as error:
            errors[name] = error.messages[0]
            continue
        if result is not None:
            cleaned[name] = result
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_option(name: str, value, fields: set[str]):
    if name in CHOICES:
        if str(value) not in CHOICES[name]:
            raise ValidationError(_("Choose one of: %(values)s.") % {"values": ", ".join(CHOICES[name])})
        if name == "amount":
            _check_amount(str(value), fields)
        return None if str(value) == CHOICES[name][0] else str(value)
    if name in FLAG_OPTIONS:
        try:
            flag = option_flag(value, FLAG_DEFAULTS[name])
        except FormatError:
            raise ValidationError(_("Yes or no.")) from None
        return None if flag == FLAG_DEFAULTS[name] else flag
    if name == "delimiter":
        try:
            return option_delimiter(value)
        except FormatError:
            raise ValidationError(_("One character, or tab.")) from None
    if name in ("header_row", "header_rows", "fiscal_year"):
        return _clean_number(name, value)
    if name == "voucher_pattern":
        return _clean_pattern(str(value))
    if name == "currency":
        code = str(value).strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise ValidationError(_("A three-letter currency code such as CNY."))
        return None if code == "CNY" else code
    if name == "auxiliary":
        return _clean_auxiliary(value)
    return str(value).strip() or None  # sheet, entity_name, credit_code


def _check_amount(style: str, fields: set[str]) -> None:
    needs = {"debit_credit": {"debit", "credit"}, "signed": {"amount"}, "direction": {"amount", "direction"}}
    if style in needs and not needs[style] <= fields:
        wanted = profile_fields.describe_group(needs[style])
        raise ValidationError(
            _("This way of writing amounts needs the columns %(fields)s.") % {"fields": wanted}
        )


def _clean_number(name: str, value) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError(_("A whole number.")) from None
    if name == "header_rows" and number not in (1, 2):
        raise ValidationError(_("1 or 2."))
    if name == "header_row" and not 1 <= number <= 20:
        raise ValidationError(_("A row from 1 to 20."))
    if name == "fiscal_year" and not 1900 <= number <= 2999:
        raise ValidationError(_("A year such as 2024."))
    return None if name == "header_rows" and number == 1 else number


def _clean_pattern(text: str) -> str:
    try:
        compiled = re.compile(text)
    except re.error as error:
        raise ValidationError(_("Not a regular expression: %(error)s") % {"error": error}) from None
    if not {"type", "number"} <= set(compiled.groupindex):
        raise ValidationError(_("The expression needs the groups (?P<type>…) and (?P<number>…)."))
    return text


def _clean_auxiliary(value) -> dict | None:
    if not isinstance(value, dict):
        raise ValidationError(_("An object with style, value and labels."))
    unknown = set(value) - {"style", "value", "labels"}
    if unknown:
        raise ValidationError(_("Unknown keys: %(keys)s.") % {"keys": ", ".join(sorted(unknown))})
    result = {}
    if value.get("style"):
        if value["style"] not in AUXILIARY_STYLES:
            raise ValidationError(_("The style is combined or columns."))
        result["style"] = value["style"]
    if value.get("value"):
        if value["value"] not in AUXILIARY_VALUES:
            raise ValidationError(_("The value is code_name or code."))
        result["value"] = value["value"]
    labels = value.get("labels") or {}
    kinds = sorted(set(DIMENSION_LABELS.values()) | {"other"})
    if not isinstance(labels, dict) or any(not str(k).strip() or v not in kinds for k, v in labels.items()):
        raise ValidationError(_("Each label names one of: %(kinds)s.") % {"kinds": ", ".join(kinds)})
    if labels:
        result["labels"] = {str(k).strip(): v for k, v in labels.items()}
    return result or None


def check_name(organisation: Organisation, name: str, exclude_pk: int | None = None) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise ValidationError({"name": _("Give the profile a name.")})
    if len(name) > NAME_LENGTH:
        raise ValidationError({"name": _("At most %(n)d characters.") % {"n": NAME_LENGTH}})
    taken = MappingProfile.objects.filter(organisation=organisation, name__iexact=name)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(
            {"name": _("Your firm already has a profile called %(name)s.") % {"name": name}}
        )
    return name


# --- who --------------------------------------------------------------------------------------------


def editor_firms(actor):
    """The firms in which `actor` may make profiles."""
    return Organisation.objects.filter(pk__in=MappingProfile.editor_firm_ids(scope_for(actor))).order_by(
        "name"
    )


def may_share(actor, organisation_id: int | None) -> bool:
    return organisation_id in MappingProfile.sharer_firm_ids(scope_for(actor))


def _firm_for(actor, organisation: Organisation | None) -> Organisation:
    if organisation is not None:
        if not can_add(actor, MappingProfile, organisation=organisation):
            raise PermissionDenied(_("You may not make profiles for this firm."))
        return organisation
    firms = list(editor_firms(actor))
    if not firms:
        raise PermissionDenied(_("Only a firm's auditors make mapping profiles."))
    if len(firms) > 1:
        raise ValidationError({"organisation": _("You work in several firms: choose the firm.")})
    return firms[0]


def _allowed(actor, profile: MappingProfile, action: str) -> None:
    if not MappingProfile.objects.restrict(actor, action).filter(pk=profile.pk).exists():
        raise PermissionDenied(_("You may not change this profile."))


def _check_share(actor, organisation_id: int, shared: bool) -> None:
    if shared and not may_share(actor, organisation_id):
        raise PermissionDenied(_("Only a firm administrator, partner or manager shares profiles."))


# --- writes -----------------------------------------------------------------------------------------


def create_profile(
    actor,
    *,
    name: str,
    kind: str,
    columns: dict,
    options: dict | None = None,
    software: str = "",
    notes: str = "",
    organisation: Organisation | None = None,
    shared: bool = False,
) -> MappingProfile:
    firm = _firm_for(actor, organisation)
    _check_share(actor, firm.pk, shared)
    columns = clean_columns(kind, columns)
    profile = MappingProfile(
        organisation=firm,
        name=check_name(firm, name),
        kind=kind,
        software=(software or "").strip()[:60],
        notes=(notes or "").strip(),
        columns=columns,
        options=clean_options(kind, columns, options),
        shared=bool(shared),
        created_by=actor,
    )
    with acting_as(actor), transaction.atomic():
        profile.save()
    return profile


def update_profile(actor, profile: MappingProfile, **changes) -> MappingProfile:
    """Change name, kind, software, notes, columns, options or shared (those given)."""
    _allowed(actor, profile, CHANGE)
    unknown = set(changes) - {"name", "kind", "software", "notes", "columns", "options", "shared"}
    if unknown:
        raise ValueError(f"not a profile attribute: {', '.join(sorted(unknown))}")
    if "shared" in changes and bool(changes["shared"]) != profile.shared:
        _check_share(actor, profile.organisation_id, True)
    kind = changes.get("kind", profile.kind)
    columns = clean_columns(kind, changes.get("columns", profile.columns))
    options = clean_options(kind, columns, changes.get("options", profile.options))
    if "name" in changes:
        profile.name = check_name(profile.organisation, changes["name"], exclude_pk=profile.pk)
    profile.kind, profile.columns, profile.options = kind, columns, options
    if "software" in changes:
        profile.software = (changes["software"] or "").strip()[:60]
    if "notes" in changes:
        profile.notes = (changes["notes"] or "").strip()
    if "shared" in changes:
        profile.shared = bool(changes["shared"])
    with acting_as(actor), transaction.atomic():
        profile.save()
    return profile


def set_shared(actor, profile: MappingProfile, shared: bool) -> MappingProfile:
    _allowed(actor, profile, CHANGE)
    _check_share(actor, profile.organisation_id, True)
    if profile.shared != bool(shared):
        profile.shared = bool(shared)
        with acting_as(actor):
            profile.save(update_fields=["shared", "updated"])
    return profile


def delete_profile(actor, profile: MappingProfile) -> None:
    """Delete a firm's profile. Snapshots read with it keep their copy of it (`import_options`)."""
    _allowed(actor, profile, DELETE)
    with acting_as(actor), transaction.atomic():
        profile.delete()


def clone_profile(
    actor, source: MappingProfile, *, organisation: Organisation | None = None, name: str = ""
) -> MappingProfile:
    """A copy of any profile the actor can see, as the firm's own (not shared)."""
    from cpahub.core.permissions import VIEW

    if not MappingProfile.objects.restrict(actor, VIEW).filter(pk=source.pk).exists():
        raise PermissionDenied(_("You may not see this profile."))
    firm = _firm_for(actor, organisation)
    wanted = (name or "").strip() or _("%(name)s (copy)") % {"name": source.name}
    return create_profile(
        actor,
        name=_free_name(firm, wanted) if not name else wanted,
        kind=source.kind,
        columns=dict(source.columns),
        options=dict(source.options or {}),
        software=source.software,
        notes=source.notes,
        organisation=firm,
    )


def _free_name(firm: Organisation, wanted: str) -> str:
    base = wanted[:NAME_LENGTH]
    taken = {
        n.casefold() for n in MappingProfile.objects.filter(organisation=firm).values_list("name", flat=True)
    }
    candidate, number = base, 2
    while candidate.casefold() in taken:
        suffix = f" {number}"
        candidate = base[: NAME_LENGTH - len(suffix)] + suffix
        number += 1
    return candidate


# --- reading ----------------------------------------------------------------------------------------


def as_json(profile: MappingProfile) -> dict:
    """The profile in the form of the built-in ones (formats/profiles/*.json)."""
    return {
        "name": profile.name,
        "kind": profile.kind,
        "software": profile.software,
        "notes": profile.notes,
        "columns": profile.columns,
        "options": profile.options,
    }


def import_options(profile: MappingProfile) -> dict:
    """The reader options that import with `profile` and record it in the snapshot."""
    return {
        "profile": str(profile.pk),
        "profiles": [{"id": profile.pk, **as_json(profile)}],
    }


def kind_label(kind: str) -> str:
    return str(ProfileKind(kind).label) if kind in ProfileKind.values else kind
