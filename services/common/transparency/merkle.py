"""Merkle tree hashes and proofs of RFC 9162 (Certificate Transparency v2, as RFC 6962).

Pure functions over leaf hashes (32-byte SHA-256 digests): a leaf hashes as
SHA-256(0x00 || entry), an interior node as SHA-256(0x01 || left || right), and a tree of n
leaves splits at the largest power of two below n. `MerkleTree` keeps every level of the tree,
so that after building it (n hashes) each proof costs O(log n).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class MerkleTree:
    """The tree over `leaf_hashes`. Level 0 holds the leaves; each level above pairs the one
    below and carries an unpaired last node up unchanged, which yields RFC 9162's tree."""

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        if any(len(leaf) != HASH_SIZE for leaf in leaf_hashes):
            raise ValueError("every leaf hash must be 32 bytes")
        self.size = len(leaf_hashes)
        self._levels = [b"".join(leaf_hashes)]
        while len(self._levels[-1]) > HASH_SIZE:
            self._levels.append(_parent_level(self._levels[-1]))

    def root(self) -> bytes:
        return self._levels[-1] if self.size else EMPTY_ROOT

    def inclusion_proof(self, index: int) -> list[bytes]:
        """The audit path of leaf `index` (RFC 9162 section 2.1.3.1), leaf side first."""
        if not 0 <= index < self.size:
            raise ValueError(f"leaf {index} is not in a tree of {self.size}")
        proof = []
        for height, level in enumerate(self._levels[:-1]):
            sibling = (index >> height) ^ 1
            if (sibling + 1) * HASH_SIZE <= len(level):
                proof.append(_node_at(level, sibling))
        return proof

    def consistency_proof(self, first: int) -> list[bytes]:
        """Proof that the tree of the first `first` leaves is a prefix of this one (RFC 9162
        section 2.1.4.1); empty when `first` is 0 or the whole tree."""
        if not 0 <= first <= self.size:
            raise ValueError(f"size {first} is not within a tree of {self.size}")
        if first in (0, self.size):
            return []
        return self._subproof(first, 0, self.size, True)

    def _subproof(self, first: int, start: int, end: int, whole: bool) -> list[bytes]:
        if start + first == end:
            return [] if whole else [self._range_hash(start, end)]
        split = _largest_power_of_two_below(end - start)
        if first <= split:
            inner = self._subproof(first, start, start + split, whole)
            return [*inner, self._range_hash(start + split, end)]
        inner = self._subproof(first - split, start + split, end, False)
        return [*inner, self._range_hash(start, start + split)]

    def _range_hash(self, start: int, end: int) -> bytes:
        """The hash of the node over leaves [start, end): a node of this tree, so it is the
        node of the level whose span covers end - start, at position start >> height."""
        height = (end - start - 1).bit_length()
        return _node_at(self._levels[height], start >> height)


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    return MerkleTree(leaf_hashes).root()


def roots_at_sizes(leaf_hashes: Iterable[bytes], sizes: Iterable[int]) -> dict[int, bytes]:
    """The root of every prefix of the log named in `sizes`, in one pass over the leaves (a
    stack of the perfect subtrees so far), e.g. to check every signed head of a long log."""
    wanted = set(sizes)
    roots = {0: EMPTY_ROOT} if 0 in wanted else {}
    stack: list[tuple[int, bytes]] = []  # (height, hash) of perfect subtrees, left to right
    for count, leaf in enumerate(leaf_hashes, start=1):
        stack.append((0, leaf))
        while len(stack) > 1 and stack[-2][0] == stack[-1][0]:
            (height, left), (_, right) = stack[-2], stack.pop()
            stack[-1] = (height + 1, node_hash(left, right))
        if count in wanted:
            root = stack[-1][1]
            for _, left in reversed(stack[:-1]):
                root = node_hash(left, root)
            roots[count] = root
    return roots


def verify_inclusion(
    leaf: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether `proof` shows leaf hash `leaf` at `index` in the tree of `tree_size` leaves
    whose root is `root` (RFC 9162 section 2.1.3.2)."""
    if not 0 <= index < tree_size or any(len(node) != HASH_SIZE for node in proof):
        return False
    position, last, computed = index, tree_size - 1, leaf
    for node in proof:
        if last == 0:
            return False
        if position & 1 or position == last:
            computed = node_hash(node, computed)
            while not position & 1 and position:
                position, last = position >> 1, last >> 1
        else:
            computed = node_hash(computed, node)
        position, last = position >> 1, last >> 1
    return last == 0 and computed == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether `proof` shows the tree of `first` leaves with root `first_root` to be a prefix
    of the tree of `second` leaves with root `second_root` (RFC 9162 section 2.1.4.2)."""
    if not 0 <= first <= second or any(len(node) != HASH_SIZE for node in proof):
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    if not proof:
        return False
    path = [first_root, *proof] if first & (first - 1) == 0 else list(proof)
    position, last = first - 1, second - 1
    while position & 1:
        position, last = position >> 1, last >> 1
    first_computed = second_computed = path[0]
    for node in path[1:]:
        if last == 0:
            return False
        if position & 1 or position == last:
            first_computed = node_hash(node, first_computed)
            second_computed = node_hash(node, second_computed)
            while not position & 1 and position:
                position, last = position >> 1, last >> 1
        else:
            second_computed = node_hash(second_computed, node)
        position, last = position >> 1, last >> 1
    return last == 0 and first_computed == first_root and second_computed == second_root


def _largest_power_of_two_below(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def _node_at(level: bytes, index: int) -> bytes:
    return level[index * HASH_SIZE : (index + 1) * HASH_SIZE]


def _parent_level(level: bytes) -> bytes:
    count = len(level) // HASH_SIZE
    parents = [
        hashlib.sha256(b"\x01" + level[i * HASH_SIZE : (i + 2) * HASH_SIZE]).digest()
        for i in range(0, count - 1, 2)
    ]
    if count % 2:
        parents.append(_node_at(level, count - 1))
    return b"".join(parents)
