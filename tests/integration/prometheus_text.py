"""A strict reader of the Prometheus text exposition format 0.0.4 (stdlib only).

Follows https://prometheus.io/docs/instrumenting/exposition_formats/ : `# HELP` and `# TYPE`
lines (at most one each per family, TYPE before the family's first sample), samples
`name{label="value",...} value [timestamp]` with the escapes `\\\\`, `\\"` and `\\n` in label values,
Go float values (NaN, +Inf, -Inf), every family's lines together, no sample twice. Anything else
raises ValueError naming the line, so a test that parses metrics proves they are well formed."""
from __future__ import annotations

import dataclasses
import math
import re

_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}
_SUFFIXES = ("_bucket", "_count", "_sum")


@dataclasses.dataclass
class Family:
    name: str
    type: str = "untyped"
    help: str | None = None
    samples: list["Sample"] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class Sample:
    name: str
    labels: tuple[tuple[str, str], ...]
    value: float
    timestamp: int | None = None

    def label(self, name: str) -> str | None:
        return dict(self.labels).get(name)


def _float(text: str, where: str) -> float:
    special = {"NaN": math.nan, "+Inf": math.inf, "-Inf": -math.inf, "Inf": math.inf}
    if text in special:
        return special[text]
    if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text):
        raise ValueError(f"{where}: {text!r} is not a float")
    return float(text)


def _labels(text: str, pos: int, where: str) -> tuple[tuple[tuple[str, str], ...], int]:
    """Reads `{a="x",b="y"}` from text[pos] == '{'; returns the labels and the position after '}'."""
    pos += 1
    labels: list[tuple[str, str]] = []
    while True:
        if pos < len(text) and text[pos] == "}":
            return tuple(labels), pos + 1
        m = _LABEL.match(text, pos)
        if not m:
            raise ValueError(f"{where}: bad label name at column {pos}")
        name = m.group(0)
        pos = m.end()
        if text[pos:pos + 2] != '="':
            raise ValueError(f"{where}: expected '=\"' after label {name}")
        pos += 2
        value = []
        while True:
            if pos >= len(text):
                raise ValueError(f"{where}: unterminated label value")
            c = text[pos]
            if c == "\\":
                nxt = text[pos + 1:pos + 2]
                if nxt not in ("\\", '"', "n"):
                    raise ValueError(f"{where}: bad escape \\{nxt} in a label value")
                value.append("\n" if nxt == "n" else nxt)
                pos += 2
            elif c == '"':
                pos += 1
                break
            elif c == "\n":
                raise ValueError(f"{where}: newline inside a label value")
            else:
                value.append(c)
                pos += 1
        if name in dict(labels):
            raise ValueError(f"{where}: label {name} given twice")
        labels.append((name, "".join(value)))
        if text[pos:pos + 1] == ",":
            pos += 1
        elif text[pos:pos + 1] != "}":
            raise ValueError(f"{where}: expected ',' or '}}' after label {name}")


def _family_of(name: str, families: dict[str, Family]) -> str:
    for suffix in _SUFFIXES:
        base = name[: -len(suffix)]
        if name.endswith(suffix) and base in families and families[base].type in ("histogram", "summary"):
            return base
    return name


def parse(text: str) -> dict[str, Family]:
    if text and not text.endswith("\n"):
        raise ValueError("the exposition must end with a newline")
    families: dict[str, Family] = {}
    finished: set[str] = set()
    current: str | None = None
    seen: set[tuple[str, tuple]] = set()
    for number, line in enumerate(text.split("\n")[:-1], 1):
        where = f"line {number} {line!r}"
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                if not _NAME.fullmatch(name):
                    raise ValueError(f"{where}: bad metric name")
                fam = families.setdefault(name, Family(name))
                if name in finished or (fam.samples and parts[1] == "TYPE"):
                    raise ValueError(f"{where}: {parts[1]} after the family's samples")
                if parts[1] == "HELP":
                    if fam.help is not None:
                        raise ValueError(f"{where}: second HELP for {name}")
                    fam.help = parts[3] if len(parts) > 3 else ""
                else:
                    if len(parts) != 4 or parts[3] not in _TYPES:
                        raise ValueError(f"{where}: bad TYPE")
                    if getattr(fam, "_typed", False):
                        raise ValueError(f"{where}: second TYPE for {name}")
                    fam.type = parts[3]
                    fam._typed = True  # type: ignore[attr-defined]
            continue
        m = _NAME.match(line)
        if not m:
            raise ValueError(f"{where}: bad metric name")
        name = m.group(0)
        pos = m.end()
        labels: tuple[tuple[str, str], ...] = ()
        if line[pos:pos + 1] == "{":
            labels, pos = _labels(line, pos, where)
        rest = line[pos:]
        if not rest.startswith((" ", "\t")):
            raise ValueError(f"{where}: expected a space before the value")
        fields = rest.split()
        if len(fields) not in (1, 2):
            raise ValueError(f"{where}: expected a value and an optional timestamp")
        value = _float(fields[0], where)
        timestamp = None
        if len(fields) == 2:
            if not re.fullmatch(r"-?\d+", fields[1]):
                raise ValueError(f"{where}: bad timestamp")
            timestamp = int(fields[1])
        family = _family_of(name, families)
        if family in finished:
            raise ValueError(f"{where}: samples of {family} are not together")
        if current is not None and current != family:
            finished.add(current)
        current = family
        key = (name, tuple(sorted(labels)))
        if key in seen:
            raise ValueError(f"{where}: the same sample twice")
        seen.add(key)
        fam = families.setdefault(family, Family(family))
        if fam.type == "counter" and (value < 0 or math.isnan(value)):
            raise ValueError(f"{where}: a counter must not be negative")
        fam.samples.append(Sample(name, labels, value, timestamp))
    return families


def samples(families: dict[str, Family], name: str, **labels: str) -> list[Sample]:
    """The samples of family `name` whose labels include `labels`."""
    fam = families.get(name)
    if not fam:
        return []
    return [s for s in fam.samples if all(s.label(k) == v for k, v in labels.items())]


def value(families: dict[str, Family], name: str, **labels: str) -> float:
    """The one sample of `name` with these labels (ValueError when there is not exactly one)."""
    found = samples(families, name, **labels)
    if len(found) != 1:
        raise ValueError(f"{len(found)} samples of {name} with {labels}")
    return found[0].value
