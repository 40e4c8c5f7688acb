"""Sentences the shop stores (reasons, errors, outcomes) kept as a code and its parameters,
and said in the reader's language only when shown.

A sentence written at the moment something happens would stay in the language of whoever
(or whichever job) wrote it: a Polish reason in the English UI, the other way round. So a
service stores `Notice` JSON, `{"code": "...", "params": {...}}`, and a page renders it with
`notice_text` (the `|notice` filter). Each app declares its sentences once, at import time of
its `notices` module (imported by its AppConfig), with `notice_kind(code, template)`.

A parameter may itself be a notice (a status label, an amount of money), rendered in the
reader's language too; other parameters are the words of someone else (Allegro's
`userMessage`, the ERP's own text, a product name) and are shown as they came. Text stored
before codes existed, or sent by someone else, is no JSON and is shown as it is.

Several notices in one field (an order's attention reasons) are one JSON document a line:
JSON never holds a raw line break, so the lines stay apart.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override
from djmoney.money import Money

# A template is a translatable sentence with %(name)s placeholders, or a function of the
# rendered parameters (a status label looked up in its choices).
Template = Promise | Callable[[dict[str, str]], str]
Stored = str | Mapping[str, Any] | None

_CATALOGUE: dict[str, Template] = {}


@dataclass(frozen=True)
class Notice:
    """One sentence as a code and its parameters; `str()` says it in the active language."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, Notice):
                return value.as_json()
            return [plain(item) for item in value] if isinstance(value, list | tuple) else value

        return {"code": self.code, "params": {k: plain(v) for k, v in self.params.items()}}

    def stored(self) -> str:
        """What a text column holds: one line of JSON, the same for the same notice (so a
        field can tell whether it holds a notice already)."""
        return json.dumps(self.as_json(), ensure_ascii=False, sort_keys=True)

    def __str__(self) -> str:
        return _say(self.as_json())


@dataclass(frozen=True)
class NoticeKind:
    """A declared sentence: call it with its parameters to make a Notice."""

    code: str

    def __call__(self, **params: Any) -> Notice:
        return Notice(self.code, params)

    @property
    def template(self) -> Template:
        return _CATALOGUE[self.code]


def notice_kind(code: str, template: Template) -> NoticeKind:
    """Declare a sentence under `code` (dotted, app first: "allegro.conversion.unmatched")."""
    known = _CATALOGUE.get(code)
    if known is not None and known != template:
        raise ValueError(f"notice code {code!r} declared twice")
    _CATALOGUE[code] = template
    return NoticeKind(code)


def as_stored(value: Notice | str) -> str:
    """A notice as a text column holds it; text (someone else's words) stays as it is."""
    return value.stored() if isinstance(value, Notice) else str(value)


class NoticeError(Exception):
    """An exception whose message is a notice (or text): `str()` says it in the language active
    when raised, for the page at hand; `stored()` keeps it for a page in any language."""

    def __init__(self, message: Notice | str) -> None:
        super().__init__(str(message))
        self.notice = message

    def stored(self) -> str:
        return as_stored(self.notice)


def error_stored(error: BaseException) -> str:
    """What to store of an error: its notice when it has one, else its text as it is."""
    return error.stored() if isinstance(error, NoticeError) else str(error)


def _parse(line: str) -> dict[str, Any] | None:
    if not line.startswith('{"code"'):
        return None
    try:
        data = json.loads(line)
    except ValueError:
        return None
    return data if isinstance(data, dict) and isinstance(data.get("code"), str) else None


def _param(value: Any) -> str:
    if isinstance(value, Mapping) and "code" in value:
        return _say(value)
    if isinstance(value, list):
        # A list is its parts that are there, joined: "FV/17/2026 · Faktura VAT".
        return " · ".join(filter(None, (_param(item) for item in value)))
    return str(value)


def _say(data: Mapping[str, Any]) -> str:
    code = data["code"]
    params = {name: _param(value) for name, value in (data.get("params") or {}).items()}
    template = _CATALOGUE.get(code)
    if template is None:
        # A code this version no longer knows: say what is there rather than nothing.
        return " ".join([code, *params.values()])
    if callable(template) and not isinstance(template, Promise):
        return template(params)
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(template)


def notice_text(value: Stored) -> str:
    """What a stored value says in the active language: each line that is a notice rendered,
    every other line as it came."""
    if not value:
        return ""
    if isinstance(value, Mapping):
        return _say(value) if "code" in value else str(value)
    return "\n".join(
        _say(data) if (data := _parse(line)) is not None else line
        for line in str(value).split("\n")
    )


def notice_lines(value: Stored) -> list[str]:
    """The stored lines (notices or text), for a field holding several."""
    return [line for line in str(value or "").split("\n") if line]


# --- text written before codes: the data migrations map known sentences to codes ----------


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"%\((\w+)\)[sdr]", template)
    regex = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
        for index, part in enumerate(parts)
    )
    # A name used twice in a template (the currency) is one group the first time only.
    seen: set[str] = set()

    def once(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in seen:
            return f"(?P={name})"
        seen.add(name)
        return match.group(0)

    return re.compile(re.sub(r"\(\?P<(\w+)>\.\+\?\)", once, regex) + r"\Z", re.S)


def _declared(codes: Callable[[str], bool], languages: tuple[str, ...]) -> list[_Legacy]:
    patterns = []
    for code, template in _CATALOGUE.items():
        if not codes(code) or not isinstance(template, Promise):
            continue
        for language in languages:
            with override(language):
                patterns.append(_Legacy(_pattern(str(template)), partial(Notice, code)))
    return patterns


@dataclass(frozen=True)
class _Legacy:
    pattern: re.Pattern[str]
    build: Callable[[dict[str, str]], Notice | str]


class LegacyTexts:
    """Maps sentences stored as text (in Polish or English, as written) back to notices, for
    the data migrations: the declared sentences whose code `codes` accepts, and `extra`
    templates of what was once stored with the function making its notice. A line matching
    none goes to `otherwise` (by default: stays as it is)."""

    def __init__(
        self,
        codes: Callable[[str], bool] = lambda code: True,
        *,
        extra: Mapping[str, Callable[[dict[str, str]], Notice | str]] | None = None,
        otherwise: Callable[[str], Notice | str] = str,
        languages: tuple[str, ...] = ("en", "pl"),
    ) -> None:
        patterns = _declared(codes, languages) + [
            _Legacy(_pattern(template), build) for template, build in (extra or {}).items()
        ]
        # The longest templates first: a short one ("%(error)s") must not swallow a long one.
        self.patterns = sorted(patterns, key=lambda legacy: -len(legacy.pattern.pattern))
        self.otherwise = otherwise

    def line(self, line: str) -> str:
        if not line or _parse(line) is not None:
            return line
        for legacy in self.patterns:
            match = legacy.pattern.match(line)
            if match:
                return as_stored(legacy.build(match.groupdict()))
        return as_stored(self.otherwise(line))

    def text(self, value: str) -> str:
        return "\n".join(self.line(line) for line in value.split("\n")) if value else value


def legacy_rows_migrate(model: Any, legacy: Mapping[str, LegacyTexts]) -> int:
    """A data migration's step: the text columns `legacy` names, on every row of `model` (the
    migration's historical model), hold notices where the sentence is known. Returns how many
    rows changed; running it again changes nothing (notices stay as they are)."""
    return _rows_rewrite(model, {name: texts.text for name, texts in legacy.items()})


def notice_rows_unmigrate(model: Any, fields: Sequence[str], language: str) -> int:
    """The way back: notices written out as text in `language` (the shop's default)."""

    def said(value: str) -> str:
        with override(language):
            return notice_text(value)

    return _rows_rewrite(model, dict.fromkeys(fields, said))


def notice_fields_migration(
    app_label: str,
    fields: Mapping[str, Sequence[str]],
    legacy_for: Callable[[str], LegacyTexts] = lambda model: LegacyTexts(),
) -> Any:
    """The RunPython of a data migration turning `fields` ({model: [text columns]}) of
    `app_label` into notices (`legacy_for(model)` finds them), and back into text in the
    shop's default language."""
    from django.conf import settings
    from django.db import migrations

    def forward(apps: Any, schema_editor: Any) -> None:
        for model, names in fields.items():
            legacy = legacy_for(model)
            legacy_rows_migrate(apps.get_model(app_label, model), dict.fromkeys(names, legacy))

    def backward(apps: Any, schema_editor: Any) -> None:
        for model, names in fields.items():
            notice_rows_unmigrate(apps.get_model(app_label, model), names, settings.LANGUAGE_CODE)

    return migrations.RunPython(forward, backward)


def _rows_rewrite(model: Any, rewrite: Mapping[str, Callable[[str], str]]) -> int:
    not_empty = Q()
    for name in rewrite:
        not_empty |= ~Q(**{name: ""})
    # A notice is longer than its sentence: one that would not fit its column stays text.
    limits = {name: model._meta.get_field(name).max_length for name in rewrite}
    changed = []
    for row in model.objects.filter(not_empty).only("pk", *rewrite).iterator(chunk_size=2000):
        new = {}
        for name, convert in rewrite.items():
            value = convert(getattr(row, name))
            fits = limits[name] is None or len(value) <= limits[name]
            new[name] = value if fits else getattr(row, name)
        if any(getattr(row, name) != value for name, value in new.items()):
            for name, value in new.items():
                setattr(row, name, value)
            changed.append(row)
    model.objects.bulk_update(changed, list(rewrite), batch_size=1000)
    return len(changed)


# --- parameters said in the reader's language -------------------------------------------------

_MONEY = notice_kind(
    "shop.money",
    lambda p: _money(p),
)


def _money(params: dict[str, str]) -> str:
    from shop.templatetags.shop_format import money

    return money(Money(Decimal(params["amount"]), params["currency"]))


def money_param(value: Money) -> Notice:
    """An amount as a parameter: written "1 378,00 CZK" or "1,378.00 CZK" by the reader."""
    return _MONEY(amount=str(value.amount), currency=str(value.currency))


def choice_kind(code: str, choices: Mapping[str, Any]) -> NoticeKind:
    """A label of a choices class (a status) as a parameter: `kind(value="SENT")`; a value the
    choices do not know is shown as it is."""
    return notice_kind(code, lambda p: str(choices.get(p["value"], p["value"])))


# Shared by every app: an error nobody foresaw, its own words kept.
UNEXPECTED = notice_kind("shop.unexpected", _("Unexpected error: %(error)s"))


# --- audit actions in words -----------------------------------------------------------------


def audit_action_kind(action: str, label: Promise) -> NoticeKind:
    """Name an audit trail action ("allegro.account_paused") in words for the trail's page."""
    return notice_kind(f"audit.{action}", label)


def audit_action_label(action: str) -> str:
    """An audit action in words; one nobody named is shown as its code."""
    return _say({"code": f"audit.{action}"}) if f"audit.{action}" in _CATALOGUE else action


for _action, _label in {
    "shop.variant_set": _("Shop variant changed"),
    "shop.currency_set_available": _("Currency switched on or off"),
    "shop.product_created": _("Product added"),
    "shop.product_updated": _("Product changed"),
    "user.created": _("User added"),
    "user.updated": _("User changed"),
    "auth.lockout_lifted": _("Sign-in lockout lifted"),
}.items():
    audit_action_kind(_action, _label)
