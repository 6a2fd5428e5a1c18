"""What Discord's server checks in the payloads a bot sends, with its own error codes.

Each ``check_*`` function adds field errors to a :class:`FormErrors`; the caller raises them as
one HTTP 400 / code 50035 "Invalid Form Body", as Discord does.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import FormErrors

JSON = dict[str, Any]
Path = tuple[str | int, ...]

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
ROWS_MAX = 5
ROW_BUTTONS_MAX = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
SELECT_PLACEHOLDER_MAX = 150
FILES_MAX = 10
V2_COMPONENTS_MAX = 40
V2_TEXT_MAX = 4000
MODAL_TITLE_MAX = 45
TEXT_INPUT_MAX = 4000
CHOICES_MAX = 25

FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12
FLAG_COMPONENTS_V2 = 1 << 15
FLAG_HAS_THREAD = 1 << 5

BUTTON, STRING_SELECT, TEXT_INPUT = 2, 3, 4
SELECTS = (3, 5, 6, 7, 8)
LABEL, TEXT_DISPLAY = 18, 10
FILE_UPLOAD, RADIO_GROUP, CHECKBOX_GROUP, CHECKBOX = 19, 21, 22, 23
MODAL_INPUTS = (TEXT_INPUT, *SELECTS, FILE_UPLOAD, RADIO_GROUP, CHECKBOX_GROUP, CHECKBOX)

_CMD_NAME = re.compile(r"^[-_'\w]{1,32}$")


def embed_length(embed: JSON) -> int:
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    for f in embed.get("fields") or []:
        total += len(f.get("name") or "") + len(f.get("value") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    return total


def check_embeds(errors: FormErrors, embeds: list[JSON]) -> None:
    if len(embeds) > EMBEDS_MAX:
        errors.max_length(("embeds",), embeds, EMBEDS_MAX)
        return
    for i, embed in enumerate(embeds):
        at: Path = ("embeds", i)
        errors.max_length((*at, "title"), embed.get("title"), EMBED_TITLE_MAX)
        errors.max_length((*at, "description"), embed.get("description"), EMBED_DESCRIPTION_MAX)
        fields = embed.get("fields") or []
        errors.max_length((*at, "fields"), fields, EMBED_FIELDS_MAX)
        for j, f in enumerate(fields[:EMBED_FIELDS_MAX]):
            for key, limit in (("name", EMBED_FIELD_NAME_MAX), ("value", EMBED_FIELD_VALUE_MAX)):
                value = f.get(key)
                if not value or not str(value).strip():
                    errors.required((*at, "fields", j, key))
                else:
                    errors.max_length((*at, "fields", j, key), value, limit)
        if (footer := embed.get("footer")) is not None:
            errors.max_length((*at, "footer", "text"), footer.get("text"), EMBED_FOOTER_MAX)
        if (author := embed.get("author")) is not None:
            errors.max_length((*at, "author", "name"), author.get("name"), EMBED_AUTHOR_MAX)
        color = embed.get("color")
        if color is not None and not 0 <= color <= 0xFFFFFF:
            errors.add((*at, "color"), "NUMBER_TYPE_MAX", "int value should be <= 16777215.")
    if sum(embed_length(e) for e in embeds) > EMBED_TOTAL_MAX:
        errors.add(
            ("embeds",),
            "MAX_EMBED_SIZE_EXCEEDED",
            f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}",
        )


def _check_custom_id(errors: FormErrors, at: Path, component: JSON, seen: set[str]) -> None:
    custom_id = component.get("custom_id")
    if custom_id is None:
        errors.required((*at, "custom_id"))
        return
    errors.length_between((*at, "custom_id"), custom_id, 1, CUSTOM_ID_MAX)
    if custom_id in seen:
        errors.add(
            (*at, "custom_id"),
            "COMPONENT_CUSTOM_ID_DUPLICATED",
            "Component custom id cannot be duplicated",
        )
    seen.add(custom_id)


def _check_button(errors: FormErrors, at: Path, button: JSON, seen: set[str]) -> None:
    style = button.get("style")
    if style not in (1, 2, 3, 4, 5, 6):
        errors.add((*at, "style"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6}.")
    if style == 5:
        if not button.get("url"):
            errors.add((*at, "url"), "BUTTON_COMPONENT_URL_REQUIRED", "A url is required")
        if button.get("custom_id") is not None:
            errors.add(
                (*at, "custom_id"),
                "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED",
                "A custom id cannot be specified for a link button",
            )
    elif style != 6:
        _check_custom_id(errors, at, button, seen)
    errors.max_length((*at, "label"), button.get("label"), BUTTON_LABEL_MAX)
    if style != 6 and not button.get("label") and not button.get("emoji"):
        errors.add((*at, "label"), "BUTTON_COMPONENT_MISSING_LABEL", "A label or emoji is required")


def _check_select(errors: FormErrors, at: Path, select: JSON, seen: set[str]) -> None:
    _check_custom_id(errors, at, select, seen)
    errors.max_length((*at, "placeholder"), select.get("placeholder"), SELECT_PLACEHOLDER_MAX)
    min_values, max_values = select.get("min_values", 1), select.get("max_values", 1)
    if not 0 <= min_values <= SELECT_OPTIONS_MAX:
        errors.add((*at, "min_values"), "NUMBER_TYPE_MAX", "int value should be <= 25.")
    if not 1 <= max_values <= SELECT_OPTIONS_MAX:
        errors.add((*at, "max_values"), "NUMBER_TYPE_MAX", "int value should be <= 25.")
    if select.get("type") != STRING_SELECT:
        return
    options = select.get("options") or []
    if not 1 <= len(options) <= SELECT_OPTIONS_MAX:
        errors.length_between((*at, "options"), options, 1, SELECT_OPTIONS_MAX)
    if max_values > len(options):
        errors.add(
            (*at, "max_values"),
            "SELECT_COMPONENT_MAX_VALUES_OUT_OF_RANGE",
            "max_values must be less than or equal to the number of options",
        )
    values: set[str] = set()
    for k, option in enumerate(options):
        errors.length_between((*at, "options", k, "label"), option.get("label"), 1, 100)
        errors.length_between((*at, "options", k, "value"), option.get("value"), 1, 100)
        errors.max_length((*at, "options", k, "description"), option.get("description"), 100)
        if option.get("value") in values:
            errors.add(
                (*at, "options", k, "value"),
                "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                "Select component option values must be unique",
            )
        values.add(option.get("value"))


def check_action_rows(errors: FormErrors, rows: list[JSON]) -> None:
    """Classic (v1) message components: up to 5 action rows of 5 buttons or 1 select."""
    if len(rows) > ROWS_MAX:
        errors.max_length(("components",), rows, ROWS_MAX)
        return
    seen: set[str] = set()
    for i, row in enumerate(rows):
        at: Path = ("components", i)
        if row.get("type") != 1:
            errors.add(
                (*at, "type"), "UNION_TYPE_CHOICES", 'Value of field "type" must be one of (1,).'
            )
            continue
        children = row.get("components") or []
        if not children:
            errors.length_between((*at, "components"), children, 1, ROW_BUTTONS_MAX)
            continue
        errors.max_length((*at, "components"), children, ROW_BUTTONS_MAX)
        has_select = any(c.get("type") in SELECTS for c in children)
        if has_select and len(children) > 1:
            errors.add(
                (*at, "components"),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )
        for j, child in enumerate(children[:ROW_BUTTONS_MAX]):
            kind = child.get("type")
            if kind == BUTTON:
                _check_button(errors, (*at, "components", j), child, seen)
            elif kind in SELECTS:
                _check_select(errors, (*at, "components", j), child, seen)
            else:
                errors.add(
                    (*at, "components", j, "type"),
                    "UNION_TYPE_CHOICES",
                    'Value of field "type" must be one of (2, 3, 5, 6, 7, 8).',
                )


def _walk(components: list[JSON]) -> list[JSON]:
    out: list[JSON] = []
    for c in components:
        out.append(c)
        out.extend(_walk(c.get("components") or []))
        for key in ("accessory", "component"):
            if isinstance(c.get(key), dict):
                out.extend(_walk([c[key]]))
    return out


def check_components_v2(errors: FormErrors, components: list[JSON]) -> None:
    """Components v2 (flag IS_COMPONENTS_V2): checked loosely: totals and custom ids."""
    every = _walk(components)
    if len(every) > V2_COMPONENTS_MAX:
        errors.add(
            ("components",),
            "MAX_COMPONENTS_EXCEEDED",
            f"Must be {V2_COMPONENTS_MAX} or fewer components in total.",
        )
    text = sum(len(c.get("content") or "") for c in every if c.get("type") == TEXT_DISPLAY)
    if text > V2_TEXT_MAX:
        errors.add(
            ("components",),
            "MAX_TEXT_DISPLAY_LENGTH_EXCEEDED",
            f"Text displays must be {V2_TEXT_MAX} or fewer characters in total.",
        )
    seen: set[str] = set()
    for c in every:
        if (c.get("type") == BUTTON and c.get("style") not in (5, 6)) or c.get("type") in SELECTS:
            _check_custom_id(errors, ("components",), c, seen)


def check_message(errors: FormErrors, payload: JSON, *, allow_ephemeral: bool) -> None:
    """Everything Discord checks in a create/edit message body (not emptiness: see
    :func:`is_empty`, which Discord reports with its own code)."""
    flags = payload.get("flags") or 0
    v2 = bool(flags & FLAG_COMPONENTS_V2)
    content = payload.get("content")
    if content is not None and not isinstance(content, str):
        errors.add(("content",), "BASE_TYPE_STRING", "Could not interpret value as string.")
    else:
        errors.max_length(("content",), content, CONTENT_MAX)
    embeds = payload.get("embeds") or []
    if v2 and (content or embeds):
        errors.add(
            ("content" if content else "embeds",),
            "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
            "The 'content' and 'embeds' fields cannot be used with MessageFlags.IS_COMPONENTS_V2",
        )
    check_embeds(errors, embeds)
    components = payload.get("components") or []
    if v2:
        check_components_v2(errors, components)
    else:
        check_action_rows(errors, components)
    if flags & FLAG_EPHEMERAL and not allow_ephemeral:
        errors.add(("flags",), "MESSAGE_FLAGS_INVALID", "Ephemeral is only valid in interactions.")
    if payload.get("attachments") is not None and len(payload["attachments"]) > FILES_MAX:
        errors.max_length(("attachments",), payload["attachments"], FILES_MAX)
    check_allowed_mentions(errors, payload.get("allowed_mentions"))


def check_allowed_mentions(errors: FormErrors, allowed: JSON | None) -> None:
    if allowed is None:
        return
    parse = allowed.get("parse") or []
    for i, kind in enumerate(parse):
        if kind not in ("users", "roles", "everyone"):
            errors.add(
                ("allowed_mentions", "parse", i),
                "BASE_TYPE_CHOICES",
                "Value must be one of {'everyone', 'roles', 'users'}.",
            )
    for kind in ("users", "roles"):
        listed = allowed.get(kind) or []
        if kind in parse and listed:
            errors.add(
                ("allowed_mentions",),
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
            )
        errors.max_length(("allowed_mentions", kind), listed, 100)


def is_empty(payload: JSON, *, n_attachments: int) -> bool:
    content = payload.get("content")
    return (
        not (isinstance(content, str) and content.strip())
        and not payload.get("embeds")
        and not payload.get("components")
        and not payload.get("sticker_ids")
        and not payload.get("poll")
        and n_attachments == 0
    )


def check_modal(errors: FormErrors, modal: JSON) -> None:
    errors.length_between(("title",), modal.get("title"), 1, MODAL_TITLE_MAX)
    errors.length_between(("custom_id",), modal.get("custom_id"), 1, CUSTOM_ID_MAX)
    components = modal.get("components") or []
    errors.length_between(("components",), components, 1, 5)
    for i, top in enumerate(components[:5]):
        at: Path = ("components", i)
        kind = top.get("type")
        if kind == 1:
            children = top.get("components") or []
            if len(children) != 1 or children[0].get("type") != TEXT_INPUT:
                errors.add(
                    (*at, "components"),
                    "MODAL_ACTION_ROW_INVALID",
                    "An action row in a modal must hold exactly one text input",
                )
                continue
            _check_text_input(errors, (*at, "components", 0), children[0], labelled=False)
        elif kind == LABEL:
            errors.length_between((*at, "label"), top.get("label"), 1, 45)
            child = top.get("component") or {}
            if child.get("type") == TEXT_INPUT:
                _check_text_input(errors, (*at, "component"), child, labelled=True)
            elif child.get("type") in SELECTS:
                _check_select(errors, (*at, "component"), child, set())
            elif child.get("type") in MODAL_INPUTS:
                errors.length_between(
                    (*at, "component", "custom_id"), child.get("custom_id"), 1, 100
                )
            else:
                errors.add(
                    (*at, "component", "type"),
                    "UNION_TYPE_CHOICES",
                    'Value of field "type" must be one of (3, 4, 5, 6, 7, 8, 19, 21, 22, 23).',
                )
        elif kind != TEXT_DISPLAY:
            errors.add(
                (*at, "type"),
                "UNION_TYPE_CHOICES",
                'Value of field "type" must be one of (1, 10, 18).',
            )


def _check_text_input(errors: FormErrors, at: Path, text_input: JSON, *, labelled: bool) -> None:
    errors.length_between((*at, "custom_id"), text_input.get("custom_id"), 1, CUSTOM_ID_MAX)
    if text_input.get("style") not in (1, 2):
        errors.add((*at, "style"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2}.")
    if not labelled:
        errors.length_between((*at, "label"), text_input.get("label"), 1, 45)
    low, high = text_input.get("min_length"), text_input.get("max_length")
    if low is not None and not 0 <= low <= TEXT_INPUT_MAX:
        errors.add((*at, "min_length"), "NUMBER_TYPE_MAX", "int value should be <= 4000.")
    if high is not None and not 1 <= high <= TEXT_INPUT_MAX:
        errors.add((*at, "max_length"), "NUMBER_TYPE_MAX", "int value should be <= 4000.")
    errors.max_length((*at, "value"), text_input.get("value"), TEXT_INPUT_MAX)
    errors.max_length((*at, "placeholder"), text_input.get("placeholder"), 100)


def check_choices(errors: FormErrors, data: JSON) -> None:
    choices = data.get("choices")
    if choices is None:
        errors.required(("choices",))
        return
    errors.max_length(("choices",), choices, CHOICES_MAX)
    for i, choice in enumerate(choices[:CHOICES_MAX]):
        errors.length_between(("choices", i, "name"), choice.get("name"), 1, 100)
        value = choice.get("value")
        if isinstance(value, str):
            errors.max_length(("choices", i, "value"), value, 100)


def check_commands(errors: FormErrors, commands: list[JSON]) -> None:
    """Bulk overwrite: names, descriptions, option nesting and counts, duplicates."""
    counts: dict[int, int] = {}
    seen: set[tuple[int, str]] = set()
    for i, cmd in enumerate(commands):
        kind = cmd.get("type", 1)
        counts[kind] = counts.get(kind, 0) + 1
        name = cmd.get("name") or ""
        if (kind, name) in seen:
            errors.add(
                (i, "name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique ({name})",
            )
        seen.add((kind, name))
        if kind == 1:
            _check_name(errors, (i,), name)
            errors.length_between((i, "description"), cmd.get("description"), 1, 100)
            _check_options(errors, (i,), cmd.get("options") or [], depth=0)
        else:
            errors.length_between((i, "name"), name, 1, 32)
            if cmd.get("description"):
                errors.add(
                    (i, "description"),
                    "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
                    "Context menu commands cannot have a description",
                )
            if cmd.get("options"):
                errors.add(
                    (i, "options"),
                    "APPLICATION_COMMAND_CONTEXT_MENU_OPTIONS",
                    "Context menu commands cannot have options",
                )
    for kind, limit in ((1, 100), (2, 15), (3, 15)):
        if counts.get(kind, 0) > limit:
            errors.add(
                (),
                "APPLICATION_COMMANDS_MAX_EXCEEDED",
                f"Maximum number of application commands of type {kind} reached ({limit})",
            )


def _check_name(errors: FormErrors, at: Path, name: str) -> None:
    if not _CMD_NAME.match(name) or name != name.lower():
        errors.add(
            (*at, "name"),
            "APPLICATION_COMMAND_INVALID_NAME",
            f"Command name is invalid ({name!r})",
        )


def _check_options(errors: FormErrors, at: Path, options: list[JSON], *, depth: int) -> None:
    errors.max_length((*at, "options"), options, 25)
    kinds = [o.get("type") for o in options]
    subs = [k for k in kinds if k in (1, 2)]
    if subs and len(subs) != len(kinds):
        errors.add(
            (*at, "options"),
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Sub-commands and sub-command groups cannot be mixed with other options",
        )
    optional_seen = False
    names: set[str] = set()
    for j, opt in enumerate(options):
        here: Path = (*at, "options", j)
        _check_name(errors, here, opt.get("name") or "")
        if opt.get("name") in names:
            errors.add(
                (*here, "name"),
                "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS",
                "Option names must be unique",
            )
        names.add(opt.get("name") or "")
        errors.length_between((*here, "description"), opt.get("description"), 1, 100)
        kind = opt.get("type")
        if (kind == 2 and depth > 0) or (kind == 1 and depth > 1):
            errors.add(
                (*here, "type"),
                "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                "Sub-commands cannot be nested this deep",
            )
        if kind in (1, 2):
            _check_options(errors, here, opt.get("options") or [], depth=depth + 1)
            continue
        if opt.get("required"):
            if optional_seen:
                errors.add(
                    (*here, "required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            optional_seen = True
        choices = opt.get("choices") or []
        errors.max_length((*here, "choices"), choices, CHOICES_MAX)
        if choices and opt.get("autocomplete"):
            errors.add(
                (*here, "autocomplete"),
                "APPLICATION_COMMAND_OPTION_CHOICES_AUTOCOMPLETE",
                "Autocomplete cannot be set with choices",
            )
