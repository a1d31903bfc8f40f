"""Diacritic- and case-insensitive name search ("nguyen van a" finds "Nguyễn Văn A").

Folding: NFD, drop combining marks (the five tones and the breve/circumflex/horn),
map đ/Đ to d (đ is a letter of its own, not d + a mark, so NFD leaves it alone),
lower-case, collapse spaces.

A query matches a name when every query word starts some word of the name. Results
rank names equal to the query first, then names starting with it, then the rest,
alphabetically. The first two groups are one contiguous run of the sorted folded
names (a bisect), which usually fills the page without touching the word index;
otherwise the word index (word → ids, prefix lookup by bisect over the sorted
vocabulary) gives the matching ids.
"""

from __future__ import annotations

import functools
import heapq
import unicodedata
from bisect import bisect_left, insort
from collections.abc import Iterable, Sequence

_FOLD: dict[int, str | None] = dict.fromkeys(range(0x300, 0x370))  # combining diacritical marks
_FOLD.update({ord("đ"): "d", ord("Đ"): "d", ord("ð"): "d", ord("Ð"): "d"})
_FOLD_TABLE = str.maketrans(_FOLD)
_END = "\U0010ffff"


def fold_word(word: str) -> str:
    return unicodedata.normalize("NFD", word).translate(_FOLD_TABLE).lower()


_fold_word_cached = functools.lru_cache(maxsize=65536)(fold_word)  # names reuse few syllables


def fold(text: str) -> str:
    """Search key: no diacritics, lower case, single spaces."""
    return " ".join([_fold_word_cached(word) for word in text.split()])


class NameIndex:
    """Folded names of ids. Not thread-safe; the store locks around it.

    Derived structures (sorted names, word index) are rebuilt lazily after bulk
    changes, so a 100k-row import pays for them once, at the first search.
    """

    def __init__(self) -> None:
        self._names: dict[str, str] = {}  # id -> folded name
        # bulk-added (ids, names) columns, folded lazily
        self._unfolded: list[tuple[Sequence[str], Sequence[str]]] = []
        self._sorted: list[tuple[str, str]] | None = []  # (folded name, id); None = stale
        self._words: dict[str, list[str]] | None = {}  # word -> ids
        self._vocab: list[str] = []

    def __len__(self) -> int:
        self._fold_pending()
        return len(self._names)

    def _fold_pending(self) -> None:
        if self._unfolded:
            pending, self._unfolded = self._unfolded, []
            for keys, names in pending:
                self._names.update(zip(keys, map(fold, names), strict=True))

    def add(self, key: str, name: str) -> None:
        self._fold_pending()
        self.remove(key)
        folded = self._names[key] = fold(name)
        if self._sorted is not None:
            insort(self._sorted, (folded, key))
        if self._words is not None:
            for word in set(folded.split()):
                ids = self._words.get(word)
                if ids is None:
                    self._words[word] = [key]
                    insort(self._vocab, word)
                else:
                    ids.append(key)

    def add_many(self, keys: Sequence[str], names: Sequence[str]) -> None:
        """Bulk add (``names[i]`` is the name of ``keys[i]``); folding and indexing wait for
        the next search (imports stay fast); both are kept as they are until then. Two
        columns, not pairs: 100k tuples would set the cyclic collector going a hundred times."""
        self._unfolded.append((keys, names))  # a re-added id simply gets its new name when folded
        self._sorted = self._words = None

    def remove(self, key: str) -> None:
        self._fold_pending()
        folded = self._names.pop(key, None)
        if folded is None:
            return
        if self._sorted is not None:
            i = bisect_left(self._sorted, (folded, key))
            if i < len(self._sorted) and self._sorted[i] == (folded, key):
                del self._sorted[i]
        if self._words is not None:
            for word in set(folded.split()):
                ids = self._words.get(word)
                if ids is not None and key in ids:
                    ids.remove(key)
                    if not ids:
                        del self._words[word]
                        del self._vocab[bisect_left(self._vocab, word)]

    def _ensure(self) -> tuple[list[tuple[str, str]], dict[str, list[str]]]:
        self._fold_pending()
        if self._sorted is None:
            self._sorted = sorted((folded, key) for key, folded in self._names.items())
        if self._words is None:
            words: dict[str, list[str]] = {}
            for folded, key in self._sorted:
                for word in folded.split():
                    ids = words.get(word)
                    if ids is None:
                        words[word] = [key]
                    elif ids[-1] != key:
                        ids.append(key)
            self._words, self._vocab = words, sorted(words)
        return self._sorted, self._words

    def _prefixed(self, words: dict[str, list[str]], prefix: str) -> set[str]:
        vocab = self._vocab
        start = bisect_left(vocab, prefix)
        end = bisect_left(vocab, prefix + _END, start)
        out: set[str] = set()
        for word in vocab[start:end]:
            out.update(words[word])
        return out

    def search(self, query: str, limit: int = 20) -> list[str]:
        """Ids ranked: exact name, then names starting with the query, then the rest (A→Z)."""
        q = fold(query)
        if not q or limit <= 0:
            return []
        ordered, words = self._ensure()
        out: list[str] = []
        i = bisect_left(ordered, (q,))
        while i < len(ordered) and len(out) < limit and ordered[i][0].startswith(q):
            out.append(ordered[i][1])
            i += 1
        if len(out) == limit:
            return out
        sets = sorted((self._prefixed(words, w) for w in dict.fromkeys(q.split())), key=len)
        found = sets[0]
        for other in sets[1:]:
            found &= other
        names = self._names
        taken = set(out)
        if len(found) * 32 > len(ordered):
            # Many matches: walking the names A→Z meets enough of them early.
            for name, key in ordered:
                if key in found and key not in taken and not name.startswith(q):
                    out.append(key)
                    if len(out) == limit:
                        break
            return out
        rest = [k for k in found if k not in taken and not names[k].startswith(q)]
        out.extend(heapq.nsmallest(limit - len(out), rest, key=lambda k: (names[k], k)))
        return out


class ExactIndex:
    """Exact key → ids (national ID numbers, token serials of records, …).

    One id is held as a plain str and several as a tuple: neither stays tracked by
    Python's cycle collector, so 100k keys do not lengthen GC pauses during commits
    (a list per key did: p95 commit time went from ~5 ms to ~28 ms at 50k records).
    """

    def __init__(self) -> None:
        self._map: dict[str, str | tuple[str, ...]] = {}

    def __contains__(self, key: str) -> bool:
        return key in self._map

    def add(self, key: str, value: str) -> None:
        old = self._map.get(key)
        if old is None:
            self._map[key] = value
        elif isinstance(old, str):
            self._map[key] = (old, value)
        else:
            self._map[key] = (*old, value)

    def known(self, keys: Iterable[str]) -> set[str]:
        """Those of ``keys`` held here."""
        return self._map.keys() & set(keys)

    def add_fresh(self, keys: list[str], values: list[str]) -> bool:
        """``add`` for each key and value in one C-level update, if the keys are distinct
        and none is held yet (a roster import); else change nothing and return False."""
        fresh = dict(zip(keys, values, strict=True))
        if len(fresh) != len(keys) or not self._map.keys().isdisjoint(fresh):
            return False
        self._map.update(fresh)
        return True

    def remove(self, key: str, value: str) -> None:
        rest = tuple(v for v in self.get(key) if v != value)
        if not rest:
            self._map.pop(key, None)
        else:
            self._map[key] = rest[0] if len(rest) == 1 else rest

    def get(self, key: str) -> tuple[str, ...]:
        found = self._map.get(key)
        if found is None:
            return ()
        return (found,) if isinstance(found, str) else found
