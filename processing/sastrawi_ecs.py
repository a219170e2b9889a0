"""PySastrawi 1.2.1's one-word stemmer (Enhanced Confix Stripping), without regex.

:class:`EcsStemmer` returns exactly what ``Stemmer.stem_singular_word`` of
PySastrawi 1.2.1 returns for every word of lower-case ASCII letters
(``[a-z]+``), using the same root-word dictionary object (Sastrawi's own,
loaded from the installed package; never copied here). It follows
``Stemmer/Context/Context.py`` step by step; what differs is only how:

* each regex of the visitors (``Context/Visitor/*``) and disambiguators
  (``Morphology/Disambiguator/*``) is a few ``startswith``/index tests, with the
  character classes copied verbatim (some deliberately lack a letter);
* the prefix visitors are tried in Sastrawi's order, but only those whose
  pattern can match the first letter (a rule that cannot match adds no removal);
* ``Removal`` objects shrink to what the result depends on: how many prefix
  removals happened (only "one more than before") and each suffix removal's
  subject, result and removed part (``re.sub(result, "", subject, count=1)``
  with ``result`` a prefix of ``subject`` is the removed suffix).

Callers must pass ``[a-z]+`` words only (``processing.stem`` checks); the
regexes' ``.`` and ``$`` treat a newline specially, letters never. Tests compare
it with Sastrawi over the corpora, every root with common affixes, and random
words (``tests/processing/test_sastrawi_ecs.py``).
"""

from __future__ import annotations

from typing import Final

VOWELS: Final = "aiueo"
# ``[bcdfghjklmnpqrstvwxyz]``: every consonant.
CONS: Final = "bcdfghjklmnpqrstvwxyz"
# Rule 5's first class lacks ``r``; rules 35/36 lack ``l m n r w y``; rule 19
# lacks ``e n``. Copied as written in Sastrawi.
CONS_NO_R: Final = "bcdfghjklmnpqstvwxyz"
CONS_35: Final = "bcdfghjkpqstvxz"
NOT_E_N: Final = "abcdfghijklmopqrstuvwxyz"


def _at(word: str, i: int, chars: str) -> bool:
    """``word[i]`` exists and is one of ``chars``."""
    return len(word) > i and word[i] in chars


def _precedence(word: str) -> bool:
    """``PrecedenceAdjustmentSpecification.is_satisfied_by`` (prefix before suffix)."""
    n = len(word)
    if word.startswith("be"):
        if n >= 5 and word.endswith("lah"):
            return True
        if n >= 4 and word.endswith("an"):
            return True
    if n >= 3 and word.endswith("i"):
        if word.startswith("me") or word.startswith("di") or word.startswith("pe"):
            return True
        if n >= 4 and word.startswith("ter"):
            return True
    return False


def _particle(word: str) -> int:
    """Length of the ``(lah|kah|tah|pun)$`` particle, or 0."""
    if len(word) >= 3:
        end = word[-3:]
        if end == "lah" or end == "kah" or end == "tah" or end == "pun":
            return 3
    return 0


def _possessive(word: str) -> int:
    """Length of the ``(ku|mu|nya)$`` pronoun, or 0."""
    if word.endswith("nya"):
        return 3
    if word.endswith("ku") or word.endswith("mu"):
        return 2
    return 0


def _derivational(word: str) -> int:
    """Length of the leftmost ``(is|isme|isasi|i|kan|an)$`` match, or 0."""
    if word.endswith("isasi"):
        return 5
    if word.endswith("isme"):
        return 4
    if word.endswith("kan"):
        return 3
    if word.endswith("an") or word.endswith("is"):
        return 2
    if word.endswith("i"):
        return 1
    return 0


class EcsStemmer:
    """Sastrawi's ``stem_singular_word`` over ``words`` (its dictionary's dict)."""

    def __init__(self, words: dict[str, str]) -> None:
        self.words = words

    # -- prefix disambiguation ------------------------------------------------

    def _pick(self, first: str, second: str) -> str:
        """Two disambiguators that match together: the first if a root, else the last."""
        return first if first in self.words else second

    def _root_or_k(self, rest: str) -> str | None:
        """After ``meng``/``peng`` + vowel: ``rest`` if a root, else ``k`` + ``rest`` if one."""
        words = self.words
        if rest in words:
            return rest
        if "k" + rest in words:
            return "k" + rest
        return None

    def _rule_b(self, w: str) -> str | None:
        """Rules 1-5 (``ber-``, ``be-``), in order."""
        if w.startswith("ber"):
            if _at(w, 3, VOWELS):  # 1a, 1b
                return self._pick(w[3:], "r" + w[3:])
            if _at(w, 3, CONS) and len(w) >= 5 and not w.startswith("er", 5):  # 2
                return w[3:]
            # 3: ber C [a-z] er V
            if _at(w, 3, CONS) and w.startswith("er", 5) and _at(w, 7, VOWELS) and w[3] != "r":
                return w[3:]
        if w == "belajar":  # 4
            return "ajar"
        if _at(w, 2, CONS_NO_R) and w.startswith("er", 3) and _at(w, 5, CONS):  # 5
            return w[2:]
        return None

    def _rule_t(self, w: str) -> str | None:
        """Rules 6-9 and 35 (``ter-``, ``te-``), in order."""
        if w.startswith("ter"):
            if _at(w, 3, VOWELS):  # 6a, 6b
                return self._pick(w[3:], "r" + w[3:])
            if _at(w, 3, CONS) and w[3] != "r":
                if w.startswith("er", 4) and _at(w, 6, VOWELS):  # 7
                    return w[3:]
                if not w.startswith("er", 4):  # 8
                    return w[3:]
        if (
            _at(w, 2, CONS) and w[2] != "r" and w.startswith("er", 3) and _at(w, 5, CONS)
        ):  # 9 (``te`` + C er C)
            return w[2:]
        if w.startswith("ter") and _at(w, 3, CONS_35) and w.startswith("er", 4) and _at(w, 6, CONS):
            return w[3:]  # 35
        return None

    def _rule_m(self, w: str) -> str | None:
        """Rules 10-19 (``me-``), in order."""
        if _at(w, 2, "lrwy") and _at(w, 3, VOWELS):  # 10
            return w[2:]
        if not w.startswith("mem"):
            if not w.startswith("men"):
                return None
            if _at(w, 3, "cdjstz"):  # 14
                return w[3:]
            if _at(w, 3, VOWELS):  # 15a, 15b
                return self._pick("n" + w[3:], "t" + w[3:])
            if w.startswith("meng"):
                if _at(w, 4, "ghqk"):  # 16
                    return w[4:]
                if _at(w, 4, VOWELS):  # 17a-d
                    root = self._root_or_k(w[4:])
                    if root is not None:
                        return root
                    if w.startswith("menge") and w[5:] in self.words:
                        return w[5:]
                    return "ng" + w[4:]
            if w.startswith("meny") and _at(w, 4, VOWELS):  # 18a, 18b
                return self._pick("ny" + w[4:], "s" + w[4:])
            return None
        if _at(w, 3, "bfv"):  # 11
            return w[3:]
        if w.startswith("mempe"):  # 12
            return w[3:]
        if _at(w, 3, VOWELS):  # 13a, 13b
            return self._pick("m" + w[3:], "p" + w[3:])
        if w.startswith("memp") and _at(w, 4, NOT_E_N):  # 19
            return w[3:]
        return None

    def _rule_p(self, w: str) -> str | None:
        """Rules 20-34 and 36 (``pe-``), in order."""
        if _at(w, 2, "wy") and _at(w, 3, VOWELS):  # 20
            return w[2:]
        if w.startswith("per"):
            if _at(w, 3, VOWELS):  # 21a, 21b
                return self._pick(w[3:], w[2:])
            if _at(w, 3, CONS) and len(w) >= 5:
                if not w.startswith("er", 5):  # 23
                    return w[3:]
                if _at(w, 7, VOWELS) and w[3] != "r":  # 24
                    return w[3:]
        if w.startswith("pem"):
            if _at(w, 3, "bfv"):  # 25
                return w[3:]
            if _at(w, 3, VOWELS):  # 26a, 26b
                return self._pick("m" + w[3:], "p" + w[3:])
        if w.startswith("pen"):
            if _at(w, 3, "cdjstz"):  # 27
                return w[3:]
            if _at(w, 3, VOWELS):  # 28a, 28b
                return self._pick("n" + w[3:], "t" + w[3:])
            if w.startswith("peng"):
                if _at(w, 4, CONS):  # 29
                    return w[4:]
                if _at(w, 4, VOWELS):  # 30a-c
                    root = self._root_or_k(w[4:])
                    if root is not None:
                        return root
                    if w.startswith("penge"):
                        return w[5:]
                    # 30 removes nothing: on to the next rules (34 takes ``ng``).
            if w.startswith("peny") and _at(w, 4, VOWELS):  # 31a, 31b
                return self._pick("ny" + w[4:], "s" + w[4:])
        if w == "pelajar":  # 32
            return "ajar"
        if w.startswith("l", 2) and _at(w, 3, VOWELS):  # 32
            return w[2:]
        if _at(w, 2, CONS) and not w.startswith("er", 3):  # 34
            return w[2:]
        if _at(w, 2, CONS_35) and w.startswith("er", 3) and _at(w, 5, CONS):  # 36
            return w[2:]
        return None

    def _rule_infix(self, w: str) -> str | None:
        """Rules 37-40 (C + er/el/em/in + V), in order; the caller checked ``w[0]``."""
        if _at(w, 3, VOWELS):
            infix = w[1:3]
            if infix == "er" or infix == "el" or infix == "em" or infix == "in":
                return self._pick(w, w[0] + w[3:])
        return None

    def _disambiguate(self, w: str) -> str | None:
        """The result of the first ``PrefixDisambiguator`` that removes something."""
        first = w[:1]
        result: str | None = None
        if first == "b":
            result = self._rule_b(w) if w.startswith("be") else None
        elif first == "t":
            result = self._rule_t(w) if w.startswith("te") else None
        elif first == "m":
            result = self._rule_m(w) if w.startswith("me") else None
        elif first == "p":
            result = self._rule_p(w) if w.startswith("pe") else None
        if result is not None:
            return result
        if first == "" or first not in CONS:
            return None
        result = self._rule_infix(w)
        if result is not None:
            return result
        if first == "k":
            if w.startswith("ku"):  # 41
                return w[2:]
            if w.startswith("kau"):  # 42
                return w[3:]
        return None

    # -- Context ---------------------------------------------------------------

    def _prefix_round(self, cur: str, stopped: bool) -> str:
        """``accept_prefix_visitors``: the word after the first visitor that removes a prefix."""
        if cur.startswith("di") or cur.startswith("ke") or cur.startswith("se"):
            return cur[2:]  # RemovePlainPrefix
        # Sastrawi returns after the first visitor when the word is a root or the
        # process is stopped (a word of three letters or fewer).
        if stopped or cur in self.words:
            return cur
        result = self._disambiguate(cur)
        return cur if result is None else result

    def _remove_prefixes(self, cur: str, stopped: bool) -> str:
        """``remove_prefixes``: up to three rounds, stopping at a root."""
        words = self.words
        for _ in range(3):
            before = cur
            cur = self._prefix_round(cur, stopped)
            # A round depends on the word only: no change now, none later.
            if cur in words or cur == before:
                break
        return cur

    def _remove_suffixes(self, cur: str, stopped: bool, removals: list[tuple[str, str]]) -> str:
        """``remove_suffixes``; appends (subject, removed part) of each removal."""
        words = self.words
        n = _particle(cur)
        if n:
            removals.append((cur, cur[-n:]))
            cur = cur[:-n]
        if stopped or cur in words:
            return cur
        n = _possessive(cur)
        if n:
            removals.append((cur, cur[-n:]))
            cur = cur[:-n]
        if cur in words:
            return cur
        n = _derivational(cur)
        if n:
            removals.append((cur, cur[-n:]))
            cur = cur[:-n]
        return cur

    def stem(self, word: str) -> str:
        """``Stemmer.stem_singular_word(word)`` for a word of ``[a-z]`` letters."""
        words = self.words
        if word in words:
            return word
        stopped = len(word) <= 3  # DontStemShortWord
        removals: list[tuple[str, str]] = []
        if _precedence(word):
            cur = self._remove_prefixes(word, stopped)
            if cur in words:
                return cur
            cur = self._remove_suffixes(cur, stopped, removals)
            if cur in words:
                return cur
            removals = []  # the trial failed: back to the original word
        cur = self._remove_suffixes(word, stopped, removals)
        if cur in words:
            return cur
        cur = self._remove_prefixes(cur, stopped)
        if cur in words:
            return cur
        # ECS "loop pengembalian akhiran". restore_prefix goes back to the
        # subject of the first removal, which is always the original word (the
        # first suffix removal, else the first prefix removal of an unsuffixed
        # word); with no removal at all the word never changed either.
        for subject, removed in reversed(removals):
            base = subject[: len(subject) - len(removed)]
            if removed == "kan":
                cur = self._remove_prefixes(base + "k", stopped)
                if cur in words:
                    return cur
                cur = base + "kan"
            else:
                cur = subject
            cur = self._remove_prefixes(cur, stopped)
            if cur in words:
                return cur
        return word
