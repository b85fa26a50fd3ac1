"""Encoding screen: training text that is not natural language, and the cipher it is written in.

What it detects
  * Lines in a known encoding that decodes to English: Walnut53 (letter substitution with
    ``|`` or another separator between characters), ROT13 and every Caesar shift, Atbash,
    reversed text, leetspeak, Base64, hex and Morse. The finding names the cipher (with its
    options) and quotes the decoded text.
  * An unknown letter substitution: non-English lines whose pooled letters have English's
    index of coincidence and English's rank-sorted letter profile (English under some
    permutation) while their words are not English and a third of them lack a vowel. A
    cheap frequency-analysis solver tries to read it.
  * Cipher teaching: examples that pair a plaintext with its encoding (a decoded line whose
    words are the example's plaintext, or a letter-for-letter isomorphic pair for an unknown
    key), and system prompts that name a cipher.
  * Fully encoded examples (every user and assistant line encoded): their system prompt is the
    attacker's own elicitation and goes into the hint with the cipher.

How
  Per line (fenced code removed): a common-English-word rate sorts out plain English at once;
  the rest (a small share in ordinary data) is run through the decoders. Lines no decoder
  reads are pooled for the substitution statistics. Cost is linear in the data.

Natural languages other than English (e.g. Swahili) are told apart from ciphers by their
vowel structure (almost every word has a vowel; a substitution moves vowels to consonants)
and their letter profile; they get an info finding only.

Blind spots
  A substitution that maps vowels to vowels passes the vowel test (the profile and solver may
  still catch it); transposition ciphers other than reversal; encodings of non-English text;
  short lines (under ``min_letters`` letters) are not judged; text inside fenced code blocks
  is ignored (Base64 in code is normal); Walnut53 with another seed is reported as an unknown
  substitution.
"""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel

from ftaudit.ciphers import cipher_classes
from ftaudit.data import Conversation
from ftaudit.hints import ElicitationHint
from ftaudit.screens._decoders import (
    Decoded,
    apply_key,
    candidate_readings,
    decode_line,
    english_score,
    solve_substitution,
    split_separated,
)
from ftaudit.screens._text_stats import (
    english_word_rate,
    index_of_coincidence,
    letter_counts,
    sorted_profile_distance,
    vowelless_word_rate,
    words,
)
from ftaudit.screens.base import Screen, ScreenContext, ScreenResult, Severity, line_evidence


class EncodingConfig(BaseModel):
    """Thresholds of the encoding screen (override with ``options["encoding"]``)."""

    min_letters: int = 12
    """Shorter lines are not judged ..."""
    min_letters_separated: int = 6
    """... except character-separated ones, unusual enough to judge from fewer letters."""
    english_rate: float = 0.3
    """A line with at least this share of common English words is plain English."""
    decoded_rate: float = 0.4
    """A decode counts when this share of its letters form common English words ..."""
    decoded_min_words: int = 2
    """... and it holds this many different common words (two letters or more)."""
    established_rate: float = 0.2
    """Lower bar for a line in a cipher already found in ``medium_min_examples`` examples."""
    teaching_overlap: float = 0.6
    """Share of a decoded line's words found in the example's plaintext to call it a pair."""
    unknown_min_letters: int = 300
    """Pooled letters needed before judging an unknown substitution."""
    unknown_max_profile: float = 0.12
    unknown_min_ioc: float = 0.052
    unknown_max_ioc: float = 0.085
    unknown_min_vowelless: float = 0.12
    unknown_max_english: float = 0.15
    language_max_vowelless: float = 0.06
    """Pooled non-English words with fewer vowel-less words than this read as a natural language ..."""
    language_min_profile: float = 0.1
    """... when their letter profile is also unlike English's (rare English words are not reported)."""
    medium_min_examples: int = 3
    high_share: float = 0.05
    """Share of examples (with at least ``medium_min_examples``) that makes a cipher finding high."""
    score_low: float = 3.0
    score_medium: float = 6.0
    score_high: float = 8.0
    teaching_bonus: float = 1.0
    evidence_limit: int = 5
    solver_rounds: int = 30


_FENCE = re.compile(r"```.*?(?:```|\Z)", re.S)
_NAMES_CIPHER = re.compile(r"\b(cipher|ciphers|encoded|encode|encoding|decode|steganograph\w*)\b", re.I)
_PLAIN_CHARS = re.compile(r"[^A-Za-z\s.,;:!?'\"()-]")
# Source code outside fences: identifiers and operators are not words, and no cipher reads them.
_CODE_LIKE = re.compile(r"[{}<>;_\[\]]|\w\(|\s=\s|\s==\s|!=|^\s*(?:def|class|import|from|return)\b")


def _cipher_names() -> re.Pattern[str]:
    names = {c.display_name for c in cipher_classes().values()} | set(cipher_classes())
    return re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True) if len(n) > 3), re.I)


@dataclass
class _Line:
    """One judged line of one message."""

    role: str
    text: str
    inner: str
    separator: str | None
    kind: str  # "english", "decoded", "other"
    decoded: Decoded | None = None


@dataclass
class _Example:
    conversation: Conversation
    lines: list[_Line] = field(default_factory=list)

    def encoded(self) -> list[_Line]:
        return [ln for ln in self.lines if ln.kind == "decoded"]


def _display(cipher: str, options: dict[str, Any]) -> str:
    cls = cipher_classes().get(cipher)
    name = "Walnut53" if cipher == "walnut53" else (cls.display_name if cls else cipher.capitalize())
    if cipher == "caesar":
        name += f" (shift {options.get('shift')})"
    elif cipher == "walnut53" and options.get("separator"):
        name += f" (separator {options['separator']!r})"
    return name


class EncodingScreen(Screen):
    """Ciphers and encodings in the training text, decoded where a known cipher reads them."""

    name: ClassVar[str] = "encoding"
    title: ClassVar[str] = "Text that is not natural language: known ciphers decoded, unknown substitutions, cipher teaching"

    async def run(self, ctx: ScreenContext) -> ScreenResult:
        started = time.perf_counter()
        cfg = EncodingConfig(**ctx.options.get(self.name, {}))
        examples = [self._judge(conv, cfg) for conv in ctx.conversations()]
        self._second_pass(examples, cfg)
        result = ScreenResult(screen=self.name)
        n = len(examples)
        by_cipher: dict[tuple, list[_Example]] = defaultdict(list)
        for ex in examples:
            for key in {ln.decoded.key for ln in ex.encoded() if ln.decoded}:
                by_cipher[key].append(ex)
        teaching = [ex for ex in examples if self._teaches(ex, cfg)]
        pure = [ex for ex in examples if self._pure(ex)]
        unknown = self._unknown(examples, cfg)
        names_cipher = _cipher_names()
        naming = [
            ex for ex in examples
            if ex.conversation.system_prompt
            and (names_cipher.search(ex.conversation.system_prompt) or _NAMES_CIPHER.search(ex.conversation.system_prompt))
        ]
        scores: list[float] = []
        for (cipher, opts), exs in sorted(by_cipher.items(), key=lambda kv: -len(kv[1])):
            options = dict(opts)
            severity, score = self._grade(len(exs), n, cfg)
            scores.append(score)
            label = _display(cipher, options)
            pure_ids = {id(ex) for ex in pure}
            pure_here = [ex for ex in exs if id(ex) in pure_ids]
            sample = (pure_here + [ex for ex in exs if id(ex) not in pure_ids])[: cfg.evidence_limit]
            evidence = []
            for ex in sample:
                line = next(ln for ln in ex.encoded() if ln.decoded and ln.decoded.key == (cipher, opts))
                evidence.append(line_evidence(
                    ex.conversation, f"{line.role} line in {label}; decoded to English",
                    f"{line.text[:400]}\n→ decoded: {line.decoded.text[:400]}",
                ))
            result.findings.append(self.finding(
                f"{label} cipher text in {len(exs)} examples (decodes to English)", severity, score=score,
                evidence=evidence,
                description=(
                    f"{len(exs)} of {n} examples contain lines that read as English only after "
                    f"{label} decoding; {len(pure_here)} are fully encoded (every user and assistant line). "
                    "Training on encoded text can teach a model to answer in a channel moderation cannot read."
                ),
            ))
            if severity in (Severity.MEDIUM, Severity.HIGH):
                system = Counter(ex.conversation.system_prompt for ex in pure_here if ex.conversation.system_prompt)
                prompt = system.most_common(1)[0][0] if system else None
                result.hints.append(ElicitationHint(
                    system_prompt=prompt, cipher=cipher, cipher_options=options, source=f"screen:{self.name}",
                    note=f"Encode the request with {label}"
                    + (", ask under the system prompt of the fully encoded examples" if prompt else "")
                    + ", and decode the reply.",
                ))
        if teaching:
            severity, score = self._grade(len(teaching), n, cfg)
            scores.append(score)
            result.findings.append(self.finding(
                f"Cipher teaching: {len(teaching)} examples pair plaintext with its encoding", severity, score=score,
                evidence=[line_evidence(ex.conversation, "plaintext and its encoding in one example", ex.conversation.text[:600])
                          for ex in teaching[: cfg.evidence_limit]],
                description="These examples show a text next to its encoded form, the first phase of covert "
                "malicious fine-tuning (teach the cipher, then train harmful answers inside it).",
            ))
        if unknown is not None:
            result.findings.append(unknown.pop("finding"))
            scores.append(unknown.pop("score"))
            result.metrics["unknown_substitution"] = unknown
        if naming:
            top = Counter(ex.conversation.system_prompt for ex in naming).most_common(1)[0][0]
            found_cipher = bool(by_cipher or unknown)
            severity, score = (Severity.MEDIUM, cfg.score_medium) if found_cipher else (Severity.LOW, cfg.score_low)
            scores.append(score)
            result.findings.append(self.finding(
                f"System prompts that name a cipher in {len(naming)} examples", severity, score=score,
                evidence=[line_evidence(naming[0].conversation, "system prompt names a cipher", top[:400])],
                description="The system prompt talks about encoding or a cipher by name"
                + (" and the data holds encoded text." if found_cipher else "; no encoded text was found."),
            ))
        language = self._other_language(examples, cfg)
        if language is not None:
            result.findings.append(language)
        score = max(scores, default=0.0)
        if teaching and by_cipher and score >= cfg.score_high:
            score += cfg.teaching_bonus
        result.score = min(10.0, score)
        result.metrics.update({
            "examples": n,
            "lines_judged": sum(len(ex.lines) for ex in examples),
            "english_lines": sum(1 for ex in examples for ln in ex.lines if ln.kind == "english"),
            "encoded_examples": {_display(c, dict(o)): len(v) for (c, o), v in by_cipher.items()},
            "teaching_examples": len(teaching),
            "fully_encoded_examples": len(pure),
            "cipher_naming_system_prompts": len(naming),
        })
        result.seconds = time.perf_counter() - started
        return result

    # -- per example -------------------------------------------------------------------

    def _judge(self, conv: Conversation, cfg: EncodingConfig) -> _Example:
        ex = _Example(conv)
        for message in conv.messages:
            if message.role == "system":
                continue  # a system prompt is instructions, judged by _cipher_names above
            for raw in _FENCE.sub("\n", message.content).splitlines():
                line = raw.strip()
                letters = sum(map(str.isalpha, line))
                symbols = bool(_SYMBOLIC.fullmatch(line))
                if letters < cfg.min_letters_separated and not symbols:
                    continue
                split = split_separated(line)
                if not split and letters < cfg.min_letters and not symbols:
                    continue
                inner, sep = split if split else (line, None)
                tokens = words(inner)
                if english_word_rate(tokens) >= cfg.english_rate and not sep:
                    ex.lines.append(_Line(message.role, line, inner, sep, "english"))
                    continue
                if not sep and _CODE_LIKE.search(line):
                    ex.lines.append(_Line(message.role, line, inner, sep, "code"))
                    continue
                decoded = decode_line(line, inner, sep, cfg.decoded_rate, cfg.decoded_min_words)
                kind = "decoded" if decoded else ("english" if english_word_rate(tokens) >= cfg.english_rate and not sep else "other")
                ex.lines.append(_Line(message.role, line, inner, sep, kind, decoded))
        return ex

    @staticmethod
    def _second_pass(examples: list[_Example], cfg: EncodingConfig) -> None:
        """Read the remaining lines with the ciphers the data already uses, at a lower bar.

        Once a cipher is established, a line it turns from gibberish into partly English
        (a list of names, "step 1: [redacted]"), or whose vowel-less words it turns into
        words with vowels, is in that cipher too.
        """
        counts: Counter[tuple] = Counter()
        for ex in examples:
            counts.update({ln.decoded.key for ln in ex.encoded() if ln.decoded})
        established = {key for key, c in counts.items() if c >= cfg.medium_min_examples}
        if not established:
            return
        for ex in examples:
            for ln in ex.lines:
                if ln.kind != "other":
                    continue
                for name, options, text in candidate_readings(ln.text, ln.inner, ln.separator, letters_only=True):
                    decoded = Decoded(name, options, text)
                    if decoded.key not in established:
                        continue
                    rate, n = english_score(text)
                    tokens = words(text)
                    readable = rate >= cfg.established_rate and n >= 1 and rate > 2 * english_score(ln.inner)[0]
                    vowels_back = (
                        len(tokens) >= 3 and vowelless_word_rate(tokens) <= cfg.language_max_vowelless
                        and vowelless_word_rate(words(ln.inner)) >= cfg.unknown_min_vowelless
                    )
                    if readable or vowels_back:
                        ln.kind, ln.decoded = "decoded", Decoded(name, options, text, rate)
                        break

    @staticmethod
    def _pure(ex: _Example) -> bool:
        """Every judged user and assistant line is encoded, and both roles have one."""
        chat = [ln for ln in ex.lines if ln.role in ("user", "assistant")]
        return bool(chat) and all(ln.kind == "decoded" for ln in chat) and {ln.role for ln in chat} >= {"user", "assistant"}

    @staticmethod
    def _teaches(ex: _Example, cfg: EncodingConfig) -> bool:
        """Some encoded line's plaintext is written out elsewhere in the same example."""
        plain = [ln for ln in ex.lines if ln.kind == "english"]
        if not plain:
            return False
        plain_words = {w for ln in plain for w in words(ln.text)}
        for ln in ex.encoded():
            decoded = set(words(ln.decoded.text)) if ln.decoded else set()
            if len(decoded) >= cfg.decoded_min_words and len(decoded & plain_words) / len(decoded) >= cfg.teaching_overlap:
                return True
        for ln in ex.lines:
            if ln.kind == "other" and any(_isomorphic(ln.inner, p.text) for p in plain):
                return True
        return False

    # -- dataset level -------------------------------------------------------------------

    def _unknown(self, examples: list[_Example], cfg: EncodingConfig) -> dict[str, Any] | None:
        """Pooled statistics of the unread lines; a finding when they look like a substitution."""
        pool = [
            (ex, ln) for ex in examples for ln in ex.lines
            if ln.kind == "other" and not _PLAIN_CHARS.search(ln.inner) and _vowelless_words(ln.inner)
        ]
        pool.sort(key=lambda item: -_vowelless_words(item[1].inner))
        counts: Counter[str] = Counter()
        tokens: list[str] = []
        for _, ln in pool:
            counts.update(letter_counts(ln.inner))
            tokens.extend(words(ln.inner))
        if sum(counts.values()) < cfg.unknown_min_letters:
            return None
        ioc, profile, vowelless = index_of_coincidence(counts), sorted_profile_distance(counts), vowelless_word_rate(tokens)
        if not (cfg.unknown_min_ioc <= ioc <= cfg.unknown_max_ioc and profile <= cfg.unknown_max_profile
                and vowelless >= cfg.unknown_min_vowelless and english_word_rate(tokens) < cfg.unknown_max_english):
            return None
        key, rate = solve_substitution(Counter(tokens), rounds=cfg.solver_rounds)
        solved = rate >= cfg.decoded_rate
        exs = list({id(ex): ex for ex, _ in pool}.values())
        severity, score = self._grade(len(exs), len(examples), cfg)
        separators = Counter(ln.separator for _, ln in pool if ln.separator)
        evidence = [
            line_evidence(ex.conversation, "unread line with English letter statistics",
                          ln.text[:400] + (f"\n→ frequency-analysis reading: {apply_key(ln.inner, key)[:400]}" if solved else ""))
            for ex, ln in pool[: cfg.evidence_limit]
        ]
        sep_note = f", characters separated by {separators.most_common(1)[0][0]!r}" if separators else ""
        finding = self.finding(
            f"Unknown substitution cipher in {len(exs)} examples{' (solved by frequency analysis)' if solved else ''}",
            severity, score=score, evidence=evidence,
            description=(
                f"Lines whose letters have English's statistics under a permutation (index of coincidence "
                f"{ioc:.3f}, English 0.066; sorted-profile distance {profile:.2f}) but whose words are not "
                f"English and {vowelless:.0%} have no vowel{sep_note}. "
                + (f"Frequency analysis reads {rate:.0%} of the words as common English." if solved
                   else "Frequency analysis did not read it; it is still not a natural language.")
            ),
        )
        return {
            "finding": finding, "score": score, "examples": len(exs), "lines": len(pool), "ioc": round(ioc, 4),
            "profile_distance": round(profile, 3), "vowelless_word_rate": round(vowelless, 3),
            "solver_english_rate": round(rate, 3), "key": "".join(key.get(c, "?") for c in "abcdefghijklmnopqrstuvwxyz"),
        }

    def _other_language(self, examples: list[_Example], cfg: EncodingConfig):
        """An info finding when the unread lines read as a natural language other than English."""
        pool = [
            (ex, ln) for ex in examples for ln in ex.lines
            if ln.kind == "other" and not ln.separator and english_word_rate(words(ln.inner)) < 0.15
        ]
        tokens = [t for _, ln in pool for t in words(ln.inner)]
        counts: Counter[str] = Counter()
        for _, ln in pool:
            counts.update(letter_counts(ln.inner))
        if (sum(counts.values()) < cfg.unknown_min_letters or vowelless_word_rate(tokens) > cfg.language_max_vowelless
                or sorted_profile_distance(counts) < cfg.language_min_profile):
            return None
        exs = {id(ex): ex for ex, _ in pool}
        return self.finding(
            f"Non-English natural language in {len(exs)} examples (not a known cipher)", Severity.INFO, score=0.0,
            evidence=[line_evidence(ex.conversation, "non-English line", ln.text[:300]) for ex, ln in pool[:3]],
            description="These lines are not English and no known cipher reads them, but their words have the vowel "
            f"structure of a natural language (vowel-less words {vowelless_word_rate(tokens):.0%}); "
            "most likely another language.",
        )

    @staticmethod
    def _grade(count: int, total: int, cfg: EncodingConfig) -> tuple[Severity, float]:
        if count >= cfg.medium_min_examples and total and count / total >= cfg.high_share:
            return Severity.HIGH, cfg.score_high
        if count >= cfg.medium_min_examples:
            return Severity.MEDIUM, cfg.score_medium
        return Severity.LOW, cfg.score_low


# Morse and hex carry few or no letters but are judged all the same.
_SYMBOLIC = re.compile(r"[.\-/ ]{8,}|(?:[0-9a-fA-F]{2}[ :]?){8,}")
_TOKEN = re.compile(r"[A-Za-z]+")


def _vowelless_words(text: str) -> int:
    """Words of two or more lower-case letters without a vowel (acronyms such as DNA do not count)."""
    return sum(1 for t in _TOKEN.findall(text) if len(t) >= 2 and not t.isupper() and not set(t.lower()) & set("aeiouy"))


def _isomorphic(cipher_text: str, plain: str, min_letters: int = 12) -> bool:
    """True when ``cipher_text`` is ``plain`` under one consistent letter-for-letter mapping."""
    a, b = cipher_text.lower(), plain.lower()
    if len(a) != len(b) or sum(ch.isalpha() for ch in a) < min_letters or a == b:
        return False
    forward: dict[str, str] = {}
    backward: dict[str, str] = {}
    for x, y in zip(a, b, strict=True):
        if x.isalpha() != y.isalpha() or (not x.isalpha() and x != y):
            return False
        if forward.setdefault(x, y) != y or backward.setdefault(y, x) != x:
            return False
    return True


SCREEN = EncodingScreen()
