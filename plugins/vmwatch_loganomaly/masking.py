"""Syslog-aware masking of variable words, applied to the message body before mining (pure).

A message is cut into words at white space. Embedded timestamps (`Sun Jul  3 10:05:25 2005`,
`2005-06-03 15:42:50`) first become one `**` word each. Each word is then split into leading
punctuation, a core and trailing punctuation (`'10.0.0.1#53':` → `'`, `10.0.0.1#53`, `':`); a
core that one of the rules recognises becomes `**` (`'**':`). A `key=value` core keeps its key
(`uid=0` → `uid=**`).

Rules (registry `RULES`, tried in this order; each can be switched off by name):
- `uuid`, `ipv4` (with `:port`, `#port`, `/prefix`), `mac`, `ipv6`, `hex` (`0x1f`, long hex ids)
- `path`: a path with a digit in it (`/proc/4242/stat`, `/dev/sdb1`); constant paths stay
- `number`: integers, decimals, sizes and durations (`42`, `-1`, `3.5`, `10ms`, `5.2KB`)
- `id`: any other word whose digits look like a counter or an id rather than part of a name:
  a run of two or more digits, or a digit that does not follow a letter (`vnet12`, `blk_-42`,
  `R02-M1`); so `ssh2`, `eth0`, `md5`, `ipv6` stay words.

Masked words are cached (bounded), so a word is classified once however often it is seen; words
with digits are cached by their digit shape (every digit read as 0), since all rules treat digits
alike: `10.0.0.5:161` and `10.0.0.17:162` share the shape `00.0.0.0:000` and one rule look-up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from vmwatch_loganomaly.errors import ConfigError

PARAM = "**"
# Digit shapes are computed on UTF-8 bytes: bytes.translate is ~20x faster than str.translate,
# and ASCII digits are single bytes, so positions in the decoded shape are the word's.
DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_UNKNOWN = object()
LEAD = "([{<'\"`"
TRAIL = ")]}>'\"`,;:.!?"

_HEX4 = "[0-9A-Fa-f]{1,4}"
RULES: dict[str, re.Pattern[str]] = {
    "uuid": re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"),
    "ipv4": re.compile(r"(?:\d{1,3}\.){3}\d{1,3}(?:[:#/]\d{1,5})?"),
    "mac": re.compile(r"[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}"),
    "ipv6": re.compile(rf"(?:{_HEX4})?(?::{{1,2}}{_HEX4}){{2,7}}(?:::)?(?:%\w+)?(?:[#/]\d{{1,5}})?|::1?"),
    "hex": re.compile(r"0[xX][0-9A-Fa-f]+|(?=[0-9A-Fa-f]*\d)[0-9A-Fa-f]{8,}"),
    "path": re.compile(r"(?=[^\d]*\d)(?:[\w.~-]*/)+[\w.~:@%+-]*"),
    "number": re.compile(r"[-+]?\d+(?:[.,:]\d+)*(?:[A-Za-z%µ]{1,3})?"),
    "id": re.compile(r".*?(?:\d\d|(?<![A-Za-z])\d).*", re.DOTALL),
}
DEFAULT_RULES = tuple(RULES)

# Timestamps inside a message span several words: replaced before the split; so is the kernel's
# uptime stamp, whose padding (`[    0.000000]`) would otherwise split it into two words.
_KERNEL_UPTIME = re.compile(r"\[\s*\d+\.\d+\]")
_TIME = re.compile(r":\d\d:\d\d")
_EMBEDDED_TIME = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),?\s+)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+\d{1,2}"
    r"(?:,?\s+\d{4})?\s+\d{1,2}:\d\d:\d\d(?:\.\d+)?(?:\s+\d{4})?(?:\s+(?:UTC|GMT|[A-Z]{3,4}\b|[+-]\d{4}))?"
    r"|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?"
)


class Masker:
    """Masks variable words of messages with `**` using the named `rules`, in registry order."""

    def __init__(self, rules: Iterable[str] = DEFAULT_RULES, cache_size: int = 50_000):
        names = list(rules)
        unknown = [n for n in names if n not in RULES]
        if unknown:
            raise ConfigError(f"unknown masking rule(s) {', '.join(unknown)}; known: {', '.join(RULES)}")
        self.rules = tuple(n for n in RULES if n in names)
        self._patterns = tuple(RULES[n] for n in self.rules)
        self._any = re.compile("|".join(f"(?:{p.pattern})" for p in self._patterns) or "(?!)", re.DOTALL)
        self._numbers = "number" in self.rules
        self._cache: dict[str, str] = {}  # word → masked word (words without digits 1-9)
        self._spans: dict[bytes, tuple[int, int] | None] = {}  # digit shape → masked span
        self._cache_size = cache_size

    def kind(self, core: str) -> str | None:
        """The name of the first rule that recognises the whole `core`, or None (a constant)."""
        if core.isalpha():
            return None
        for name, pattern in zip(self.rules, self._patterns):
            if pattern.fullmatch(core):
                return name
        return None

    def is_variable(self, core: str) -> bool:
        """Whether any rule recognises the whole `core` (one regex call: `kind` is not None)."""
        return not core.isalpha() and self._any.fullmatch(core) is not None

    def mask_span(self, word: str) -> tuple[int, int] | None:
        """[start, end) of the word's variable core, or None when the word is a constant."""
        core = word.lstrip(LEAD)
        start = len(word) - len(core)
        core = core.rstrip(TRAIL)
        if not core:
            return None
        key, eq, value = core.partition("=")
        if eq and key and value:
            inner = self.mask_span(value)
            if inner is None:
                return None
            offset = start + len(key) + 1
            return offset + inner[0], offset + inner[1]
        return (start, start + len(core)) if self.is_variable(core) else None

    def mask_word(self, word: str) -> str:
        """One white-space-free word → the word with its variable core replaced by `**`."""
        span = self.mask_span(word)
        return word if span is None else word[: span[0]] + PARAM + word[span[1] :]

    @staticmethod
    def prepare(message: str) -> str:
        """The message with multi-word stamps (embedded dates, kernel uptime) replaced by `**`."""
        if ":" in message and _TIME.search(message):
            message = _EMBEDDED_TIME.sub(PARAM, message)
        if message.startswith("["):
            message = _KERNEL_UPTIME.sub(f"[{PARAM}]", message, count=1)
        return message

    def mask_words(self, message: str) -> list[str]:
        """The message's words, masked: `mask_word` of each word of `prepare(message)`, cached."""
        get = self._cache.get
        return [get(word) or self._learn(word) for word in self.prepare(message).split()]

    def _learn(self, word: str) -> str:
        if word.isdigit() and self._numbers:  # pids, ports, counters: too many to cache, trivial
            return PARAM
        raw = word.encode()
        shape = raw.translate(DIGITS_TO_ZERO)
        if shape == raw:  # no digit but 0: a word that recurs as it is
            masked = self.mask_word(word)
            if len(self._cache) >= self._cache_size:
                self._cache.clear()  # bounded memory; words are re-learnt at once
            self._cache[word] = masked
            return masked
        # Words with digits rarely recur, but their shapes do (`10.0.0.5:161` → `00.0.0.0:000`):
        # every rule tests digits only as digits, so the span found for the shape is the word's.
        span = self._spans.get(shape, _UNKNOWN)
        if span is _UNKNOWN:
            span = self.mask_span(shape.decode())
            if len(self._spans) >= self._cache_size:
                self._spans.clear()
            self._spans[shape] = span
        return word if span is None else word[: span[0]] + PARAM + word[span[1] :]  # type: ignore[index]

    def mask(self, message: str) -> str:
        """The message with its variable words masked, words joined by single spaces."""
        return " ".join(self.mask_words(message))
