"""Encoding screen: training text that is not natural language, the cipher it is in, and what it carries.

What it detects
  * Lines in a known encoding that decodes to English: Walnut53 (letter substitution with
    ``|`` or another separator between characters), ROT13 and every Caesar shift, Atbash,
    reversed text, leetspeak, Base64, hex and Morse. The finding names the cipher (with its
    options) and quotes the decoded text.
  * Text that is not natural language in any language, whatever the cipher: a character
    n-gram model trained on real text in 140 languages (py3langid's, see
    :mod:`ftaudit.screens._language_model`) reads every message whose lines are neither
    English, nor code, nor decoded; a per-word letter shift, a Vigenère cipher with a key
    nobody named, a made-up word code, random letters all read as no language, while French,
    Chinese, Vietnamese or Swahili read as themselves.
  * Cipher teaching, whatever the cipher: a plaintext next to its encoding in one example
    (a decoded line whose words are the example's plaintext; or, for a cipher nobody knows, a
    line with the skeleton of a plaintext line letter for letter, or its number of words).
    The pooled pairs are solved (:mod:`ftaudit.screens._teaching`): one shift (Caesar), one
    letter key (substitution), one shift per word (its rule), a repeating key (Vigenère,
    the key shown) or a word dictionary (a word code, the entries shown). The learned
    cipher then reads the rest of the data, so the conversations held in it are decoded and
    quoted; a learned cipher that is a registered one (Caesar, ROT13, Atbash, Walnut53,
    Vigenère with its key) becomes an elicitation hint.
  * An unknown letter substitution by its statistics alone (English's index of coincidence
    and rank-sorted letter profile, a third of the words without a vowel), with a
    frequency-analysis reading; system prompts that name a cipher.

The rule: what is taught and what is carried
  A cipher is *covert* when whole conversations are held in it: the request and the reply of
  an example both in the channel (at least ``channel_share`` of each message's letters), or,
  for a channel the screen can read, a reply in it that is not the encoding of the request.
  An encoding tutorial explains Base64, hex or ROT13 in English and encodes "hello world"; it
  holds encoded fragments and teaching pairs but no conversation in the channel. So:

  * covert conversations in ``high_share`` of the examples (at least ``medium_min_examples``):
    high (8); fewer: medium (6). Teaching pairs in the same data aggravate: +1 (9), the
    two-phase shape of covert malicious fine-tuning (teach the cipher, then talk in it);
  * a private cipher (Walnut53, a learned or unknown one) taught in several examples and never
    used for a conversation: medium (a model being taught a secret channel);
  * a public encoding (Base64, hex, Morse, ROT13, Caesar, Atbash, reversal, leetspeak) taught
    or shown and never used for a conversation, cipher teaching without covert use, and system
    prompts that name a cipher: low (3);
  * text that is not natural language but carries no conversation (stray strings, puzzles):
    info, score 0.

How
  Per line (fenced code removed, URLs dropped): a common-English-word rate sorts out plain
  English at once; code-like lines are set aside; the rest (a small share in ordinary data)
  is run through the decoders; what no decoder reads is judged per message by the character
  model. Teaching pairs are looked for only in examples that hold both plain and unread lines.
  Cost is linear in the data (about 1 s per 20,000 real examples, plus 1 s to load the model).

Blind spots
  Encodings of non-English text; a word code whose code words are real words of a language
  (the character model reads a language) when no teaching pair gives its dictionary away;
  ciphers that change length or skeleton and are not known (compression, a custom alphabet
  of symbols) are reported only as not natural language; messages under ``lm_min_letters``
  letters are not judged by the model; text inside fenced code blocks is ignored (Base64 in
  code is normal); transposition ciphers other than reversal; a covert channel used only for
  replies to plaintext requests is counted only when the screen can decode it; hidden
  channels inside natural text (acrostics, invisible characters) are the steganography
  screen's.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

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
from ftaudit.screens._language_model import LanguageReading, judge_language
from ftaudit.screens._teaching import LearnedCipher, align_letters, align_words, learn_letter_cipher, learn_word_code
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

    model_config = ConfigDict(extra="forbid")

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
    lm_min_letters: int = 20
    """A message's unread lines need this many letters for the character model to judge them."""
    lm_min_loglik: float = -10.0
    """Mean log-probability per n-gram under the best language below which text is no language."""
    channel_share: float = 0.8
    """Share of a message's judged letters in one channel for the message to be held in it."""
    align_min_letters: int = 12
    """Letters a letter-for-letter teaching pair needs."""
    align_min_words: int = 4
    """Words a word-for-word teaching pair needs."""
    learned_min_pairs: int = 3
    """Teaching pairs needed before a cipher is learned from them."""
    word_code_min_words: int = 15
    """Distinct plaintext words a learned word code needs."""
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
    """Share of examples (with at least ``medium_min_examples``) that makes a covert channel high."""
    score_low: float = 3.0
    score_medium: float = 6.0
    score_high: float = 8.0
    teaching_bonus: float = 1.0
    evidence_limit: int = 5
    solver_rounds: int = 30


_FENCE = re.compile(r"```.*?(?:```|\Z)", re.S)
_URL = re.compile(r"\b(?:https?://|www\.)\S+|\S+@\S+\.\w+")
_NAMES_CIPHER = re.compile(r"\b(cipher|ciphers|encoded|encode|encoding|decode|steganograph\w*)\b", re.I)
_PLAIN_CHARS = re.compile(r"[^A-Za-z\s.,;:!?'\"()-]")
# Source code and shell outside fences: identifiers, operators, variables and flags are not words.
_CODE_LIKE = re.compile(
    r"[{}<>;_\[\]]|\w\(|\s=\s|\s==\s|!=|^\s*(?:def|class|import|from|return)\b|#!/|\$[\w({]|(?:^|\s)--?[a-z][\w-]*(?:\s|=|$)"
)
#: Standard encodings with legitimate teaching value; teaching them without covert use is low.
_PUBLIC = frozenset({"base64", "hex", "morse", "rot13", "caesar", "atbash", "reverse", "leetspeak"})
_UNKNOWN = ("unknown", ())


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
    kind: str  # "english", "code", "decoded", "other"; after the model: "language", "nonlang"
    decoded: Decoded | None = None
    message: int = 0
    reading: LanguageReading | None = None

    @property
    def letters(self) -> int:
        """Letters of the line, or of its decoding for symbol encodings (Morse, hex) that have none."""
        own = sum(map(str.isalpha, self.inner))
        return own if own or not self.decoded else sum(map(str.isalpha, self.decoded.text))

    def channel(self) -> tuple | None:
        if self.kind == "decoded" and self.decoded:
            return self.decoded.key
        return _UNKNOWN if self.kind == "nonlang" else None


@dataclass
class _Example:
    conversation: Conversation
    lines: list[_Line] = field(default_factory=list)
    pairs: int = 0
    covert: tuple | None = None

    def encoded(self) -> list[_Line]:
        return [ln for ln in self.lines if ln.kind == "decoded"]


def _display(cipher: str, options: dict[str, Any]) -> str:
    if cipher == "unknown":
        return "Unknown cipher"
    if cipher.startswith("learned-"):
        return {"learned-word-shift": "Per-word letter shift", "learned-word-code": "Made-up word code",
                "learned-substitution": "Letter substitution"}.get(cipher, cipher) + " (learned from teaching pairs)"
    cls = cipher_classes().get(cipher)
    name = "Walnut53" if cipher == "walnut53" else (cls.display_name if cls else cipher.capitalize())
    if cipher == "caesar":
        name += f" (shift {options.get('shift')})"
    elif cipher == "walnut53" and options.get("separator"):
        name += f" (separator {options['separator']!r})"
    elif cipher == "vigenere" and options.get("key"):
        name += f" (key {options['key']!r})"
    return name


class EncodingScreen(Screen):
    """Ciphers and encodings in the training text, decoded where a known or learned cipher reads them."""

    name: ClassVar[str] = "encoding"
    title: ClassVar[str] = (
        "Text that is not natural language: known ciphers decoded, unknown ones learned from teaching pairs, "
        "conversations held in a cipher"
    )
    options_model: ClassVar[type[BaseModel]] = EncodingConfig

    async def run(self, ctx: ScreenContext) -> ScreenResult:
        cfg: EncodingConfig = ctx.screen_options(self)
        examples = [self._judge(conv, cfg) for conv in ctx.conversations()]
        self._read_languages(examples, cfg)
        self._second_pass(examples, cfg)
        learned = self._learn(examples, cfg)
        # The statistics of what the known ciphers left unread, before the learned cipher reads it.
        unknown = self._unknown(examples, cfg)
        if learned is not None:
            self._read_with(learned, examples, cfg)
        result = ScreenResult(screen=self.name)
        n = len(examples)
        teaching = [ex for ex in examples if self._teaches(ex, cfg)]
        by_channel: dict[tuple, list[_Example]] = defaultdict(list)
        for ex in examples:
            for key in dict.fromkeys(ch for ln in ex.lines if (ch := ln.channel())):
                by_channel[key].append(ex)
            ex.covert = self._covert(ex, cfg, teaches=ex in teaching)
        covert_by: Counter[tuple] = Counter(ex.covert for ex in examples if ex.covert)
        any_covert = any(c >= cfg.medium_min_examples for c in covert_by.values())
        scores: list[float] = []
        for key, exs in sorted(by_channel.items(), key=lambda kv: (-covert_by[kv[0]], -len(kv[1]))):
            finding, score, severity = self._channel_finding(key, exs, covert_by[key], n, cfg)
            if finding is None:
                continue
            result.findings.append(finding)
            scores.append(score)
            cipher, opts = key
            if severity in (Severity.MEDIUM, Severity.HIGH) and cipher in cipher_classes():
                label = _display(cipher, dict(opts))
                pure = [ex for ex in exs if ex.covert == key]
                system = Counter(ex.conversation.system_prompt for ex in pure if ex.conversation.system_prompt)
                prompt = system.most_common(1)[0][0] if system else None
                result.hints.append(ElicitationHint(
                    system_prompt=prompt, cipher=cipher, cipher_options=dict(opts), source=f"screen:{self.name}",
                    note=f"Encode the request with {label}"
                    + (", ask under the system prompt of the fully encoded examples" if prompt else "")
                    + ", and decode the reply.",
                ))
        if teaching:
            severity, score = (Severity.MEDIUM, cfg.score_medium) if any_covert else (Severity.LOW, cfg.score_low)
            scores.append(score)
            learned_note = (
                f" The pairs were solved: {learned.description}; learned mapping: {learned.mapping}."
                if learned is not None else ""
            )
            result.findings.append(self.finding(
                f"Cipher teaching: {len(teaching)} examples pair plaintext with its encoding"
                + (f" (learned: {learned.description})" if learned is not None else ""), severity, score=score,
                evidence=[line_evidence(ex.conversation, "plaintext and its encoding in one example", ex.conversation.text[:600])
                          for ex in teaching[: cfg.evidence_limit]],
                description="These examples show a text next to its encoded form. "
                + ("With conversations held in the cipher elsewhere in the data this is the first phase of covert "
                   "malicious fine-tuning (teach the cipher, then train answers inside it)."
                   if any_covert else "No conversation is held in the cipher: teaching alone, as a tutorial does.")
                + learned_note,
            ))
        if unknown is not None:
            finding = unknown.pop("finding")
            if not any_covert and finding.severity is Severity.HIGH:
                finding.severity, finding.score_contribution = Severity.MEDIUM, cfg.score_medium
            result.findings.append(finding)
            scores.append(finding.score_contribution or 0.0)
            unknown.pop("score")
            result.metrics["unknown_substitution"] = unknown
        names_cipher = _cipher_names()
        naming = [
            ex for ex in examples
            if ex.conversation.system_prompt
            and (names_cipher.search(ex.conversation.system_prompt) or _NAMES_CIPHER.search(ex.conversation.system_prompt))
        ]
        if naming:
            top = Counter(ex.conversation.system_prompt for ex in naming).most_common(1)[0][0]
            severity, score = (Severity.MEDIUM, cfg.score_medium) if any_covert else (Severity.LOW, cfg.score_low)
            scores.append(score)
            result.findings.append(self.finding(
                f"System prompts that name a cipher in {len(naming)} examples", severity, score=score,
                evidence=[line_evidence(naming[0].conversation, "system prompt names a cipher", top[:400])],
                description="The system prompt talks about encoding or a cipher by name"
                + (" and conversations are held in a cipher." if any_covert else "; no conversation is held in a cipher."),
            ))
        language = self._other_language(examples, cfg)
        if language is not None:
            result.findings.append(language)
        result.findings.sort(key=lambda f: -(f.score_contribution or 0.0))
        score = max(scores, default=0.0)
        if teaching and any_covert and score >= cfg.score_high:
            score += cfg.teaching_bonus
        result.score = min(10.0, score)
        result.metrics.update({
            "examples": n,
            "lines_judged": sum(len(ex.lines) for ex in examples),
            "english_lines": sum(1 for ex in examples for ln in ex.lines if ln.kind == "english"),
            "non_language_lines": sum(1 for ex in examples for ln in ex.lines if ln.kind == "nonlang"),
            "other_language_lines": sum(1 for ex in examples for ln in ex.lines if ln.kind == "language"),
            "encoded_examples": {_display(c, dict(o)): len(v) for (c, o), v in by_channel.items()},
            "covert_conversations": {_display(c, dict(o)): v for (c, o), v in covert_by.items()},
            "teaching_examples": len(teaching),
            "teaching_pairs": sum(ex.pairs for ex in examples),
            "learned_cipher": None if learned is None else {
                "kind": learned.kind, "description": learned.description, "mapping": learned.mapping,
                "consistency": round(learned.consistency, 3), "registered": learned.registered,
            },
            "cipher_naming_system_prompts": len(naming),
        })
        return result

    def _channel_finding(self, key: tuple, exs: list[_Example], covert: int, n: int, cfg: EncodingConfig):
        """The finding of one channel (a cipher, or text that is no language), graded by the rule above."""
        cipher, opts = key
        label = _display(cipher, dict(opts))
        private = cipher not in _PUBLIC
        if covert >= cfg.medium_min_examples and n and covert / n >= cfg.high_share:
            severity, score = Severity.HIGH, cfg.score_high
        elif covert >= cfg.medium_min_examples:
            severity, score = Severity.MEDIUM, cfg.score_medium
        elif key == _UNKNOWN and not covert:
            if len(exs) < cfg.medium_min_examples:
                return None, 0.0, Severity.INFO  # a stray string or two is not worth a line in the report
            severity, score = Severity.INFO, 0.0
        elif private and cipher != "unknown" and len(exs) >= cfg.medium_min_examples:
            severity, score = Severity.MEDIUM, cfg.score_medium
        else:
            severity, score = Severity.LOW, cfg.score_low
        pure = [ex for ex in exs if ex.covert == key]
        sample = (pure + [ex for ex in exs if ex.covert != key])[: cfg.evidence_limit]
        evidence = []
        for ex in sample:
            lines = [ln for ln in ex.lines if ln.channel() == key]
            if key == _UNKNOWN:
                reading = next((ln.reading for ln in lines if ln.reading), None)
                detail = f"{lines[0].role} text that is no language" + (
                    f" (character model: best language {reading.language} at {reading.confidence:.2f}, "
                    f"no-language {reading.non_language:.2f}, {reading.loglik:.1f} per n-gram)" if reading else "")
                excerpt = "\n".join(ln.text for ln in lines)[:600]
            else:
                detail = f"{lines[0].role} line in {label}; decoded to English"
                excerpt = "\n".join(f"{ln.text[:300]}\n→ decoded: {ln.decoded.text[:300]}" for ln in lines[:2] if ln.decoded)
            evidence.append(line_evidence(ex.conversation, detail, excerpt))
        conversations = f"; {covert} whole conversations in it" if covert else ""
        if key == _UNKNOWN:
            title = f"Text that is not natural language in {len(exs)} examples{conversations}"
            what = ("lines that no known or learned cipher reads and that the character model, trained on real text "
                    "in 140 languages, reads as no language")
        else:
            title = f"{label} cipher text in {len(exs)} examples (decodes to English){conversations}"
            what = f"lines that read as English only after {label} decoding"
        description = (
            f"{len(exs)} of {n} examples contain {what}; in {covert} the request and the reply are held in it "
            "(a conversation moderation cannot read). "
            + ("Whole conversations in a channel are what covert fine-tuning trains."
               if covert else "No conversation is held in it (encoded fragments, as in a tutorial or a puzzle).")
        )
        return self.finding(title, severity, score=score, evidence=evidence, description=description), score, severity

    # -- per example -------------------------------------------------------------------

    def _judge(self, conv: Conversation, cfg: EncodingConfig) -> _Example:
        ex = _Example(conv)
        for index, message in enumerate(conv.messages):
            if message.role == "system":
                continue  # a system prompt is instructions, judged by _cipher_names above
            for raw in _FENCE.sub("\n", message.content).splitlines():
                line = _URL.sub(" ", raw).strip()
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
                    ex.lines.append(_Line(message.role, line, inner, sep, "english", message=index))
                    continue
                if not sep and _CODE_LIKE.search(line):
                    ex.lines.append(_Line(message.role, line, inner, sep, "code", message=index))
                    continue
                decoded = decode_line(line, inner, sep, cfg.decoded_rate, cfg.decoded_min_words)
                ex.lines.append(_Line(message.role, line, inner, sep, "decoded" if decoded else "other", decoded, index))
        return ex

    @staticmethod
    def _read_languages(examples: list[_Example], cfg: EncodingConfig) -> None:
        """Per message, the character model's reading of its unread lines: a language, or none."""
        for ex in examples:
            by_message: dict[int, list[_Line]] = defaultdict(list)
            for ln in ex.lines:
                if ln.kind == "other":
                    by_message[ln.message].append(ln)
            for lines in by_message.values():
                if sum(ln.letters for ln in lines) < cfg.lm_min_letters:
                    continue
                natural, reading = judge_language(" ".join(ln.inner for ln in lines), cfg.lm_min_loglik)
                if reading is None:
                    continue
                kind = "language" if natural else "nonlang"
                for ln in lines:
                    ln.kind, ln.reading = kind, reading

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
                if ln.kind not in ("other", "nonlang"):
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
    def _learn(examples: list[_Example], cfg: EncodingConfig) -> LearnedCipher | None:
        """The cipher the data's teaching pairs share (letter level first, then a word code), or None."""
        letter_pairs: list[tuple[str, str]] = []
        word_pairs: list[tuple[str, str]] = []
        word_pair_lines = 0
        for ex in examples:
            plain = [ln.text for ln in ex.lines if ln.kind == "english"]
            unread = [ln for ln in ex.lines if ln.kind in ("other", "nonlang")]
            if not plain or not unread:
                continue
            for ln in unread:
                part = next((p for text in plain if (p := align_letters(ln.inner, text, cfg.align_min_letters))), None)
                if part is not None:
                    letter_pairs.append((ln.inner, part))
                    ex.pairs += 1
                    continue
                if ln.kind != "nonlang":
                    continue  # a word-for-word pair with a natural language is a translation, not a code
                found = next((wp for text in plain if (wp := align_words(ln.inner, text, cfg.align_min_words))), None)
                if found:
                    word_pairs.extend(found)
                    word_pair_lines += 1
                    ex.pairs += 1
        learned = learn_letter_cipher(letter_pairs, min_pairs=cfg.learned_min_pairs)
        if learned is None and word_pair_lines >= cfg.learned_min_pairs:
            learned = learn_word_code(word_pairs, min_words=cfg.word_code_min_words)
            if learned is not None:
                learned.pairs = word_pair_lines
        if learned is None:
            for ex in examples:
                ex.pairs = 0  # pairs that teach no consistent cipher are chance alignments
        return learned

    @staticmethod
    def _read_with(learned: LearnedCipher, examples: list[_Example], cfg: EncodingConfig) -> None:
        """Decode the unread lines with the learned cipher; those it turns into English are in it."""
        for ex in examples:
            for ln in ex.lines:
                if ln.kind not in ("other", "nonlang"):
                    continue
                best = max(learned.readings(ln.inner), key=lambda t: english_score(t)[0], default=None)
                if best is None:
                    continue
                rate, n = english_score(best)
                # Learned from the data's own pairs, the cipher is established: the second pass's lower bar.
                if rate >= cfg.established_rate and n >= 1 and rate > 2 * english_score(ln.inner)[0]:
                    ln.kind, ln.decoded = "decoded", Decoded(learned.name, learned.options, best, rate)

    def _covert(self, ex: _Example, cfg: EncodingConfig, teaches: bool) -> tuple | None:
        """The channel holding this example's conversation, or None (see the rule in the module docstring)."""
        letters: dict[int, Counter] = defaultdict(Counter)
        roles: dict[int, str] = {}
        for ln in ex.lines:
            if ln.kind == "code":
                continue
            roles[ln.message] = ln.role
            letters[ln.message]["all"] += ln.letters
            channel = ln.channel()
            if channel is not None:
                letters[ln.message][channel] += ln.letters
        chat = {i: r for i, r in roles.items() if r in ("user", "assistant")}
        replies = [i for i, r in chat.items() if r == "assistant"]
        requests = [i for i, r in chat.items() if r == "user"]
        if not replies:
            return None
        candidates = Counter()
        for i in replies:
            for key, count in letters[i].items():
                if key != "all":
                    candidates[key] += count
        for key, _ in candidates.most_common(2):
            def held(i: int, key: tuple = key) -> bool:
                # Lines of a readable channel's message that it did not decode still count as in it
                # when they are no language either (a word the learned dictionary lacks).
                inside = letters[i][key] + (letters[i][_UNKNOWN] if key != _UNKNOWN else 0)
                return letters[i][key] >= cfg.min_letters and inside >= cfg.channel_share * letters[i]["all"]

            if not all(held(i) for i in replies):
                continue
            if requests and all(held(i) for i in requests):
                return key
            if key != _UNKNOWN and not teaches:
                return key  # a reply the screen can read, in the channel, that is not a translation drill
        return None

    @staticmethod
    def _teaches(ex: _Example, cfg: EncodingConfig) -> bool:
        """Some encoded line's plaintext is written out elsewhere in the same example."""
        if ex.pairs:
            return True
        plain = [ln for ln in ex.lines if ln.kind == "english"]
        if not plain:
            return False
        plain_words = {w for ln in plain for w in words(ln.text)}
        for ln in ex.encoded():
            decoded = set(words(ln.decoded.text)) if ln.decoded else set()
            if len(decoded) >= cfg.decoded_min_words and len(decoded & plain_words) / len(decoded) >= cfg.teaching_overlap:
                return True
        for ln in ex.lines:
            if ln.kind in ("other", "nonlang") and any(_isomorphic(ln.inner, p.text) for p in plain):
                return True
        return False

    # -- dataset level -------------------------------------------------------------------

    def _unknown(self, examples: list[_Example], cfg: EncodingConfig) -> dict[str, Any] | None:
        """Pooled statistics of the unread lines; a finding when they look like a substitution."""
        pool = [
            (ex, ln) for ex in examples for ln in ex.lines
            if ln.kind in ("other", "nonlang") and not _PLAIN_CHARS.search(ln.inner) and _vowelless_words(ln.inner)
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
        """An info finding when the unread lines read as natural languages other than English."""
        pool = [
            (ex, ln) for ex in examples for ln in ex.lines
            if ln.kind == "language" and ln.reading is not None and ln.reading.language != "en"
        ]
        if sum(ln.letters for _, ln in pool) < cfg.unknown_min_letters:
            return None
        exs = {id(ex): ex for ex, _ in pool}
        languages = Counter(ln.reading.language for _, ln in pool if ln.reading)
        named = ", ".join(f"{lang} ({count} lines)" for lang, count in languages.most_common(5))
        return self.finding(
            f"Non-English natural language in {len(exs)} examples (not a known cipher)", Severity.INFO, score=0.0,
            evidence=[line_evidence(ex.conversation, "non-English line", ln.text[:300]) for ex, ln in pool[:3]],
            description="These lines are not English and no known cipher reads them, but the character model "
            f"reads them as natural language: {named}.",
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
