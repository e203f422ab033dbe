"""Read YAML safely: plain mappings, lists and scalars only, each with its position.

YAML is parsed by ruamel.yaml's round-trip loader, which builds only plain mappings, lists and
scalars and remembers the line and column of every key and item (positions.py reads them). It
never constructs Python objects: a tag such as ``!!python/object/apply:os.system`` comes back as
inert tagged data, which is refused here with its position. Before parsing, the text is checked
for block indentation and bracket nesting that would make the parser slow or recurse too deeply,
so that a small hostile file cannot make loading slow; shared (aliased) data is walked once.
Every failure is a `ScenarioError` at the line and column of the trouble, with the fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.reader import ReaderError

from chainsim.errors import Problem, scenario_error
from chainsim.scenario.paths import MAX_YAML_BYTES, read_file_bytes
from chainsim.scenario.positions import FILE_ATTR, children, key_pos, own_pos, value_pos

# Tags YAML resolves to plain values; any other tag (``!!python/object``, ``!custom``) is refused.
PLAIN_TAGS = {
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq")
}

# Extra advice for the commonest YAML mistakes, keyed by a piece of ruamel.yaml's message.
YAML_HINTS = {
    "cannot start any token": "indent with spaces, not tabs, and quote values that start with @ or `",
    "mapping values are not allowed": "put a space after each ':' and quote values that contain ': '",
    "duplicate key": "remove one of the two keys",
    "expected a single document": "keep one scenario per file (remove the second '---')",
    "undefined alias": "define the anchor (&name) before using *name",
    "could not find expected ':'": "write each setting as key: value",
    "did not find expected key": "check the indentation of this line",
    "did not find expected node content": "add the missing value or close the bracket",
    "expected <block end>": "check the indentation of this line (and the lines above it)",
    "expected ',' or '}'": "close the '{' (or put ', ' between the items)",
    "expected ',' or ']'": "close the '[' (or put ', ' between the items)",
    "unexpected end of stream": "close the quote or bracket that is still open",
}

MAX_FLOW_DEPTH = 100  # no scenario needs more; the YAML parser slows quadratically with depth
MAX_INDENT = 200  # columns of block indentation ('  ' and '- ' per level): 100 levels or more
MAX_DIGITS = 1000  # Python refuses to read integers of more than 4300 digits
# Values a file may stand for once its aliases (*name) are written out: what the schema, the
# sweep's design and every walk over the data would see. 1 000 000 is ten times a 20 000-node
# scenario written out in full; nine nested lists of nine aliases each (9^9) are 387 million.
MAX_EXPANDED = 1_000_000


def line_col(text: str | bytes, index: int) -> tuple[int, int]:
    """1-based line and column of a character (or byte) offset."""
    nl = "\n" if isinstance(text, str) else b"\n"
    line = text.count(nl, 0, index) + 1
    col = index - (text.rfind(nl, 0, index) + 1) + 1
    return line, col


def read_yaml(path: Path) -> Any:
    """Parse one YAML file, tagging every mapping and list with the file it came from."""
    file = str(path)
    try:
        data_bytes = read_file_bytes(path, MAX_YAML_BYTES)  # a regular file (paths.py)
    except OSError as exc:  # no line to point at: printed as "FILE: message"
        raise scenario_error([Problem(file, 0, 0, f"cannot read file: {_why(exc)}")]) from None
    except ValueError as exc:  # a FIFO, a device, too large
        raise scenario_error([Problem(
            file, 0, 0, f"cannot read file: {exc}; give a regular file of at most "
            f"{MAX_YAML_BYTES // (1024 * 1024)} MiB")]) from None
    if data_bytes.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise scenario_error([Problem(
            file, 1, 1, "the file is UTF-16 text (it starts with a UTF-16 byte order mark); "
            "save it as UTF-8",
        )])
    try:
        text = data_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = line_col(data_bytes, exc.start)
        raise scenario_error(
            [Problem(file, line, col, f"the file is not UTF-8 text (byte 0x{data_bytes[exc.start]:02x}); "
                     "save it as UTF-8")]
        ) from None
    return parse_yaml_text(text, file)


def _why(exc: OSError) -> str:
    """Why a file cannot be read, and what to do, in a user's words."""
    if isinstance(exc, FileNotFoundError):
        return "no such file; check the path"
    if isinstance(exc, IsADirectoryError):
        return "it is a folder, not a file; name a file in it"
    if isinstance(exc, PermissionError):
        return "permission denied; check the file's permissions"
    return f"{exc.strerror or exc}; check the path"


def parse_yaml_text(text: str, file: str) -> Any:
    """Parse YAML text safely: plain mappings, lists and scalars only, every one with a position."""
    _refuse_deep_nesting(text, file)
    try:
        data = YAML(typ="rt", pure=True).load(text)
    except MarkedYAMLError as exc:
        raise scenario_error([_syntax_problem(exc, file)]) from None
    except ReaderError as exc:
        line, col = line_col(text, exc.position) if isinstance(exc.position, int) else (1, 1)
        raise scenario_error(
            [Problem(file, line, col, f"malformed YAML: unacceptable character #x{exc.character:04x}; "
                     "remove it (control characters are not allowed)")]
        ) from None
    except RecursionError:
        raise scenario_error(
            [Problem(file, 1, 1, "malformed YAML: the file is nested too deeply; flatten it")]
        ) from None
    except Exception as exc:  # noqa: BLE001 - any parser failure on bad input is a user error
        raise scenario_error([_parser_failure(exc, text, file)]) from None
    problems = _check_tags(data, file)
    if problems:
        raise scenario_error(problems)
    _refuse_alias_bomb(data, file)
    _mark_file(data, file)
    return data


def _refuse_alias_bomb(data: Any, file: str) -> None:
    """Refuse data that aliases (``*name``) multiply beyond `MAX_EXPANDED` values (a "billion
    laughs"): it is small as read, but the schema, a sweep's design and the engine would walk
    it written out, for minutes or until the memory is full. Refused at the innermost list or
    mapping that alone is too large (the anchor used once too often)."""
    sizes: dict[int, int] = {}  # expanded size of each list and mapping, computed once each
    stack: list[tuple[Any, bool]] = [(data, False)]
    while stack:  # iterative post-order walk over the shared (not written-out) data
        obj, done = stack.pop()
        if not isinstance(obj, Mapping | list) or (not done and id(obj) in sizes):
            continue
        kids = [v for _, v in children(obj)]
        if not done:
            sizes[id(obj)] = 0  # being computed (YAML aliases cannot form a cycle here)
            stack.append((obj, True))
            stack.extend((k, False) for k in kids)
            continue
        size = 1 + sum(sizes.get(id(k), 1) if isinstance(k, Mapping | list) else 1 for k in kids)
        sizes[id(obj)] = size
        if size > MAX_EXPANDED:
            line, col = own_pos(obj)
            raise scenario_error([Problem(
                file, max(line, 1), max(col, 1),
                f"this value stands for more than {MAX_EXPANDED:,} values once its aliases "
                "(*name) are written out; use fewer aliases (write the values you need)",
            )])


def _refuse_deep_nesting(text: str, file: str) -> None:
    """Refuse, before parsing, the nesting that would make the parser slow or recurse too deep."""
    deep = _too_indented(text)
    if deep is not None:
        raise scenario_error([Problem(
            file, *line_col(text, deep),
            f"malformed YAML: nested too deeply (indented more than {MAX_INDENT} columns); flatten it",
        )])
    deep = _too_deep(text)
    if deep is not None:
        raise scenario_error([Problem(
            file, *line_col(text, deep),
            f"malformed YAML: brackets nested more than {MAX_FLOW_DEPTH} deep; flatten it",
        )])


def _syntax_problem(exc: MarkedYAMLError, file: str) -> Problem:
    """ruamel.yaml's syntax error, at its mark, with the hint for the commonest mistakes."""
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = " ".join(str(exc.problem or exc.context or "syntax error").split())
    context = " ".join(str(exc.context or "").split())
    if exc.problem and context and not context.startswith("while"):
        what = f"{context}, {what}"  # e.g. "expected a single document ..., but found ..."
    hint = next((h for k, h in YAML_HINTS.items() if k in what), "fix the syntax here")
    return Problem(file, line, col, f"malformed YAML: {what}; {hint}")


def _parser_failure(exc: Exception, text: str, file: str) -> Problem:
    """Any other parser failure: a number too long to read, or the parser's own words."""
    long_number = re.search(rf"\d{{{MAX_DIGITS},}}", text)
    if "integer string conversion" in str(exc) and long_number:
        return Problem(
            file, *line_col(text, long_number.start()),
            f"a number with {len(long_number.group())} digits is too long to read; no "
            "setting needs more than a few digits, write a smaller number",
        )
    what = " ".join(str(exc).split()) or type(exc).__name__
    return Problem(file, 1, 1, f"malformed YAML: {what}; fix the syntax")


_BLOCK_INDENT = re.compile(r"(?:[ ]|[-?:](?=[ \t]))*")


def _too_indented(text: str) -> int | None:
    """Offset of the first line whose block nesting (spaces and '- ', '? ', ': ' markers before
    its content) reaches beyond MAX_INDENT columns: deep block nesting makes the parser slow and
    then recurse too deeply."""
    start = 0
    for line in text.split("\n"):
        indent = _BLOCK_INDENT.match(line, 0, MAX_INDENT + 2).end()  # + 2: room for "- "
        if indent > MAX_INDENT:
            return start + indent
        start += len(line) + 1
    return None


def _too_deep(text: str) -> int | None:
    """Offset of the first ``[`` or ``{`` nested beyond MAX_FLOW_DEPTH (quotes and comments skipped)."""
    if text.count("[") + text.count("{") <= MAX_FLOW_DEPTH:
        return None  # cannot nest that deep (and the scan below is slow on a large file)
    depth = 0
    quote = ""
    prev = "\n"
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if quote:
            if c == quote:
                if quote == "'" and i + 1 < n and text[i + 1] == "'":
                    i += 1  # '' inside a single-quoted string
                else:
                    quote = ""
            elif c == "\\" and quote == '"':
                i += 1
            elif c == "\n" and quote == "'":
                pass
        elif c == "#" and prev in " \t\n":
            j = text.find("\n", i)
            i = n if j < 0 else j
            prev = "\n"
            continue
        elif c in "'\"" and prev in " \t\n[{,:-":
            quote = c
        elif c in "[{":
            depth += 1
            if depth > MAX_FLOW_DEPTH:
                return i
        elif c in "]}":
            depth = max(depth - 1, 0)
        prev = c
        i += 1
    return None


def _tag_of(obj: Any) -> str | None:
    tag = getattr(obj, "tag", None)
    value = getattr(tag, "value", tag)
    return value if isinstance(value, str) else None


def _check_tags(data: Any, file: str) -> list[Problem]:
    """Refuse YAML tags that do not stand for plain values; unwrap an explicit ``!!str``."""
    problems: list[Problem] = []
    seen: set[int] = set()

    def refused(obj: Any, line: int, col: int) -> bool:
        tag = _tag_of(obj)
        if tag is None or tag in PLAIN_TAGS:
            return False
        shown = tag.replace("tag:yaml.org,2002:", "!!")
        problems.append(Problem(
            file, line, col,
            f"YAML tag {shown} is not allowed; scenario files hold plain values only, "
            "remove the tag",
        ))
        return True

    def visit(obj: Any, line: int, col: int) -> None:
        if id(obj) in seen:
            return
        seen.add(id(obj))
        if refused(obj, line, col):
            return
        if isinstance(obj, Mapping):
            for key in list(obj):
                if _tag_of(key) is not None:
                    kl, kc = key_pos(obj, key)
                    refused(key, kl, kc)
        for key, value in children(obj):
            ln, cl = value_pos(obj, key) or (line, col)
            if isinstance(value, TaggedScalar):
                vtag = _tag_of(value)
                if vtag in PLAIN_TAGS:
                    obj[key] = value.value  # an explicit !!str (the only plain tag kept as such)
                    continue
            visit(value, ln, cl)

    first = own_pos(data)
    visit(data, *(first if first != (0, 0) else (1, 1)))
    return problems


def _mark_file(obj: Any, file: str) -> None:
    """Remember on every mapping and list the file it was read from (shared aliases once)."""
    seen: set[int] = set()
    stack = [obj]
    while stack:
        item = stack.pop()
        if not isinstance(item, CommentedMap | CommentedSeq) or id(item) in seen:
            continue
        seen.add(id(item))
        setattr(item, FILE_ATTR, file)
        stack.extend(v for _, v in children(item))


def plain(obj: Any, memo: dict[int, Any] | None = None) -> Any:
    """Plain dicts/lists for pydantic (ruamel's scalars subclass the builtins already).

    Aliased (shared) parts are converted once and stay shared, so that a small file full of
    nested aliases cannot blow up into an enormous structure.
    """
    if memo is None:
        memo = {}
    if isinstance(obj, Mapping | list):
        if id(obj) in memo:
            return memo[id(obj)]
        if isinstance(obj, Mapping):
            out: Any = {}
            memo[id(obj)] = out
            for k, v in obj.items():
                out[k] = plain(v, memo)
        else:
            out = []
            memo[id(obj)] = out
            out.extend(plain(v, memo) for v in obj)
        return out
    return obj
