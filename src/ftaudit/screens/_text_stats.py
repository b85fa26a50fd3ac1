"""Character and word statistics of English, for screens that must tell language from code.

Everything here is hand-written reference data (English letter frequencies, function words,
a few hundred common words, a coarse word-class grammar) and small pure functions over it.
No corpus, no model: the screens that use it must stay deterministic and fast. The word
lists are deliberately short: they are used for rates (what share of a text's words are
common English words), where the few hundred most frequent words already cover about half
of running English text and almost none of a cipher's or another language's word forms.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterable, Sequence

#: Relative letter frequencies of English text (percent), the classic table.
ENGLISH_LETTER_FREQ: dict[str, float] = {
    "a": 8.2, "b": 1.5, "c": 2.8, "d": 4.3, "e": 12.7, "f": 2.2, "g": 2.0, "h": 6.1, "i": 7.0,
    "j": 0.15, "k": 0.77, "l": 4.0, "m": 2.4, "n": 6.7, "o": 7.5, "p": 1.9, "q": 0.095, "r": 6.0,
    "s": 6.3, "t": 9.1, "u": 2.8, "v": 0.98, "w": 2.4, "x": 0.15, "y": 2.0, "z": 0.074,
}
_TOTAL = sum(ENGLISH_LETTER_FREQ.values())
ENGLISH_PROBS: dict[str, float] = {k: v / _TOTAL for k, v in ENGLISH_LETTER_FREQ.items()}
#: Index of coincidence of English letters (about 0.066); uniform random letters give 1/26.
ENGLISH_IOC: float = sum(p * p for p in ENGLISH_PROBS.values())
RANDOM_IOC: float = 1 / 26
#: English letters from most to least frequent, for frequency-analysis starting keys.
ENGLISH_BY_FREQ: str = "".join(sorted(ENGLISH_PROBS, key=lambda c: -ENGLISH_PROBS[c]))
_ENGLISH_SORTED: tuple[float, ...] = tuple(sorted(ENGLISH_PROBS.values(), reverse=True))

VOWELS = frozenset("aeiouy")

# Word classes of the most frequent function words: enough grammar to tell a sentence read
# word by word from the same words shuffled (a determiner is not followed by a preposition).
_CLASSES: dict[str, str] = {}
for _cls, _words in {
    "DET": "the a an this that these those my your his her its our their some any every each no",
    "PREP": "of in to for with on at from by about into over after under between through during "
    "without before toward towards against among upon within across behind beyond",
    "PRON": "i you he she it we they me him us them",
    "AUX": "is are was were be been am has have had do does did will would can could should may "
    "might must shall",
    "CONJ": "and or but nor so yet because if while although though than",
    "WH": "what which who whom whose when where why how",
    "ADV": "not also very just only then there here now too more most",
}.items():
    for _w in _words.split():
        _CLASSES.setdefault(_w, _cls)

FUNCTION_WORDS: frozenset[str] = frozenset(_CLASSES)

#: Class pairs that English almost never writes next to each other ("the of", "and or").
_IMPLAUSIBLE: frozenset[tuple[str, str]] = frozenset(
    [("DET", c) for c in ("DET", "PREP", "AUX", "CONJ", "PRON", "WH")]
    + [("PREP", c) for c in ("PREP", "AUX", "CONJ")]
    + [("CONJ", "CONJ"), ("CONJ", "PREP"), ("AUX", "CONJ"), ("WH", "CONJ"), ("WH", "PREP"), ("PRON", "DET")]
)

COMMON_WORDS: frozenset[str] = FUNCTION_WORDS | frozenset(
    """
    about above act add after again age ago agree air all almost alone along already always among
    amount animal another answer anything appear apply area arm around art ask away back bad ball
    bank base bear beautiful become bed begin behind believe best better big bill bit black blood
    blue board body book born both box boy break bring brother build building business buy call
    car care carry case cause cell center central century certain chair chance change child
    children choose city class clear close cold college color come common company computer
    consider contain control cost country course cover create cup current cut dark data day dead
    deal death decide deep describe design detail develop die difference different direction
    discuss doctor dog door down draw dream drive drop dry early earth east easy eat economic
    education effect effort eight either else end energy enough enter environment even evening
    event ever evidence example experience explain eye face fact fall family far fast father fear
    feel feet few field fight figure fill film final find fine fire first fish five floor fly
    follow food foot force form forward four free friend front full fun future game garden general
    get girl give glass go god good government great green ground group grow guess gun hair half
    hand happen happy hard head health hear heart heat heavy help high history hit hold home hope
    horse hot hour house however human hundred idea important include increase indeed industry
    information inside instead interest issue job join keep key kid kill kind king know knowledge
    land language large last late later laugh law lay lead learn least leave left leg less let
    letter level lie life light like line list listen little live long look lose lot love low
    machine main major make man many map mark market matter mean measure meet member memory
    method middle might mind minute miss model modern moment money month morning mother mouth
    move much music name nation natural nature near need never new news next nice night nine
    none north note nothing notice number off office often oh oil old once one open order other
    out own page pain paper parent part party pass past pay people per perhaps person picture
    piece place plan plant play please point police political poor popular position possible
    power practice prepare present president pretty price probably problem process produce
    product program provide public pull purpose push put question quickly quite rain raise
    range rate rather reach read ready real really reason receive record red remain remember
    report require research rest result return right river road rock role room rule run safe same
    say school science sea season second see seem sell send sense serve service set seven several
    shape share short show side sign similar simple since sing sister sit six size skill skin
    small smile social society soft soil some someone something sometimes son song soon sort sound
    south space speak special spend spring stand star start state stay step still stone stop
    story street strong student study subject success such sugar summer sun support sure surface
    system table take talk tax teach teacher team tell ten term test thank thing think third three
    time today together tonight top total touch toward town trade tree true try turn two type
    understand unit until up use usually value various view voice wait walk wall want war warm
    watch water way weather week well west white whole why wide wife win wind window winter wish
    woman wonder word work worker world write wrong yard yeah year yes yet young
    able across actually against allow already answer ask become been being came cannot come
    did does done during else example first found gave given goes going gone got help here
    known made makes making may means might must often once please said says seen shall should
    take taken thing things think those though thought told took under upon used uses using
    want way ways went were what when where whether which while who will with within without
    would write written yes you your
    """.split()
)

_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")


def words(text: str) -> list[str]:
    """The lower-cased alphabetic words of ``text`` (apostrophe contractions kept whole)."""
    return [w.lower() for w in _WORD.findall(text)]


def english_word_rate(tokens: Sequence[str]) -> float:
    """Share of ``tokens`` (lower-cased words) that are common English words; 0 for none.

    Running English text scores about 0.4–0.6 on this list; ciphers and other languages
    score under 0.15 (short collisions such as "a", "i", "na").
    """
    if not tokens:
        return 0.0
    return sum(1 for t in tokens if t in COMMON_WORDS) / len(tokens)


def english_letter_rate(tokens: Sequence[str]) -> float:
    """Share of the letters of ``tokens`` that belong to common English words; 0 for none.

    Weighting by letters keeps chance hits of one- and two-letter words ("a", "i", "at") in a
    cipher or in code from looking like English; English prose scores about 0.35–0.6.
    """
    total = sum(len(t) for t in tokens)
    if not total:
        return 0.0
    return sum(len(t) for t in tokens if t in COMMON_WORDS) / total


def distinct_common_words(tokens: Iterable[str], min_length: int = 2) -> int:
    """How many different common English words of ``min_length`` or more letters ``tokens`` holds."""
    return len({t for t in tokens if len(t) >= min_length and t in COMMON_WORDS})


def letter_counts(text: str) -> Counter[str]:
    """Counts of the ASCII letters a–z in ``text``, case folded."""
    return Counter(ch for ch in text.lower() if ch in _LETTERS)


_LETTERS = frozenset(string.ascii_lowercase)


def index_of_coincidence(counts: Counter[str]) -> float:
    """Probability that two letters drawn without replacement are equal (English ≈ 0.066).

    A substitution cipher keeps it (it only renames letters); random text has 1/26 ≈ 0.038.
    """
    n = sum(counts.values())
    if n < 2:
        return 0.0
    return sum(c * (c - 1) for c in counts.values()) / (n * (n - 1))


def sorted_profile_distance(counts: Counter[str]) -> float:
    """Total variation distance between the rank-sorted letter profile of ``counts`` and English's.

    Invariant under renaming letters, so a substitution cipher of English scores near 0
    (about 0.05–0.1 on a few hundred letters) while a language with another letter
    distribution (Swahili's many a's) scores higher.
    """
    n = sum(counts.values())
    if not n:
        return 1.0
    observed = sorted((c / n for c in counts.values()), reverse=True)
    observed += [0.0] * (26 - len(observed))
    return 0.5 * sum(abs(o - e) for o, e in zip(observed, _ENGLISH_SORTED, strict=False))


def vowelless_word_rate(tokens: Iterable[str]) -> float:
    """Share of words of two or more letters that contain no vowel (``y`` counts as one).

    Written natural languages in Latin script almost never have them (under 5%); a letter
    substitution turns vowels into consonants, so a third or more of cipher words have none.
    """
    long_words = [t for t in tokens if len(t) >= 2]
    if not long_words:
        return 0.0
    return sum(1 for t in long_words if not (set(t) & VOWELS)) / len(long_words)


def function_word_share(tokens: Sequence[str]) -> float:
    """Share of ``tokens`` that are function words (English prose: about 0.4–0.5)."""
    if not tokens:
        return 0.0
    return sum(1 for t in tokens if t in FUNCTION_WORDS) / len(tokens)


def implausible_pairs(tokens: Sequence[str]) -> int:
    """Adjacent word pairs whose function-word classes English does not put side by side."""
    classes = [_CLASSES.get(t) for t in tokens]
    return sum(1 for a, b in zip(classes, classes[1:]) if a and b and (a, b) in _IMPLAUSIBLE)


def function_pairs(tokens: Sequence[str]) -> int:
    """Adjacent pairs in which both words are function words (where the grammar has a say)."""
    return sum(1 for a, b in zip(tokens, tokens[1:]) if a in FUNCTION_WORDS and b in FUNCTION_WORDS)


#: Class pairs English writes all the time ("of the", "what is", "the lungs"; None is a content word).
_LIKELY: frozenset[tuple[str | None, str | None]] = frozenset([
    ("PREP", "DET"), ("PREP", None), ("PREP", "PRON"), ("DET", None), ("AUX", "DET"), ("AUX", None),
    ("AUX", "PRON"), ("WH", "AUX"), ("WH", "PRON"), ("PRON", "AUX"), ("CONJ", "DET"), ("CONJ", "PRON"),
    (None, "PREP"), (None, "AUX"), (None, "CONJ"), ("AUX", "ADV"), ("ADV", None), ("PRON", None),
])


def grammar_score(tokens: Sequence[str]) -> int:
    """Likely minus implausible adjacent word-class pairs: high for a sentence, lower shuffled."""
    classes = [_CLASSES.get(t) for t in tokens]
    score = 0
    for pair in zip(classes, classes[1:]):
        if pair in _LIKELY:
            score += 1
        elif pair in _IMPLAUSIBLE:
            score -= 1
    return score


def likely_function_pairs(tokens: Sequence[str]) -> int:
    """Adjacent pairs of two function words that English writes often ("of the", "what is")."""
    classes = [_CLASSES.get(t) for t in tokens]
    return sum(1 for a, b in zip(classes, classes[1:]) if a and b and (a, b) in _LIKELY)
