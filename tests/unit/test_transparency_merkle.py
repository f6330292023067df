"""The Merkle tree of the transparency log: RFC 6962 vectors and properties of random trees."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.common.transparency.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    leaf_hash,
    root_hash,
    roots_at_sizes,
    verify_consistency,
    verify_inclusion,
)

# The reference leaves and roots of Certificate Transparency (as in transparency-dev/merkle).
REFERENCE_ENTRIES = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
]
REFERENCE_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
REFERENCE_LEAVES = [leaf_hash(bytes.fromhex(entry)) for entry in REFERENCE_ENTRIES]
REFERENCE_INCLUSION = {
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}
REFERENCE_CONSISTENCY = {
    (2, 8): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
}


def test_roots_match_certificate_transparency():
    for size, expected in enumerate(REFERENCE_ROOTS):
        assert root_hash(REFERENCE_LEAVES[:size]).hex() == expected
    assert roots_at_sizes(REFERENCE_LEAVES, range(9)) == {
        size: bytes.fromhex(root) for size, root in enumerate(REFERENCE_ROOTS)
    }


@pytest.mark.parametrize(("index", "size"), REFERENCE_INCLUSION)
def test_inclusion_proofs_match_certificate_transparency(index, size):
    proof = MerkleTree(REFERENCE_LEAVES[:size]).inclusion_proof(index)
    assert [node.hex() for node in proof] == REFERENCE_INCLUSION[index, size]
    root = bytes.fromhex(REFERENCE_ROOTS[size])
    assert verify_inclusion(REFERENCE_LEAVES[index], index, size, proof, root)


@pytest.mark.parametrize(("first", "second"), REFERENCE_CONSISTENCY)
def test_consistency_proofs_match_certificate_transparency(first, second):
    proof = MerkleTree(REFERENCE_LEAVES[:second]).consistency_proof(first)
    assert [node.hex() for node in proof] == REFERENCE_CONSISTENCY[first, second]
    first_root, second_root = (bytes.fromhex(REFERENCE_ROOTS[n]) for n in (first, second))
    assert verify_consistency(first, second, first_root, second_root, proof)


def test_the_empty_tree_and_out_of_range_requests():
    assert MerkleTree([]).root() == EMPTY_ROOT
    with pytest.raises(ValueError):
        MerkleTree(REFERENCE_LEAVES).inclusion_proof(8)
    with pytest.raises(ValueError):
        MerkleTree(REFERENCE_LEAVES).consistency_proof(9)
    with pytest.raises(ValueError):
        MerkleTree([b"short"])


leaf_lists = st.lists(st.binary(max_size=8), min_size=1, max_size=70, unique=True).map(
    lambda entries: [leaf_hash(entry) for entry in entries]
)


def flip(node: bytes) -> bytes:
    return bytes([node[0] ^ 1]) + node[1:]


@settings(max_examples=60, deadline=None)
@given(leaf_lists)
def test_every_leaf_of_a_random_tree_is_proven_and_nothing_else(leaves):
    tree = MerkleTree(leaves)
    size, root = len(leaves), tree.root()
    for index, leaf in enumerate(leaves):
        proof = tree.inclusion_proof(index)
        assert verify_inclusion(leaf, index, size, proof, root)
        assert not verify_inclusion(flip(leaf), index, size, proof, root)
        assert not verify_inclusion(leaf, index, size, proof, flip(root))
        assert not verify_inclusion(leaf, size, size, proof, root)
        assert not verify_inclusion(leaf, index, size, [*proof, root], root)
        if proof:
            assert not verify_inclusion(leaf, index, size, [flip(proof[0]), *proof[1:]], root)
            assert not verify_inclusion(leaf, index, size, proof[:-1], root)
        if size > 1:
            other = index ^ 1 if index ^ 1 < size else index - 1
            assert not verify_inclusion(leaf, other, size, proof, root)


@settings(max_examples=60, deadline=None)
@given(leaf_lists)
def test_every_prefix_of_a_random_tree_is_consistent_with_it(leaves):
    tree = MerkleTree(leaves)
    second, second_root = len(leaves), tree.root()
    roots = roots_at_sizes(leaves, range(second + 1))
    assert roots[second] == second_root
    for first in range(second + 1):
        proof = tree.consistency_proof(first)
        assert verify_consistency(first, second, roots[first], second_root, proof)
        if 0 < first < second:
            assert not verify_consistency(first, second, flip(roots[first]), second_root, proof)
            assert not verify_consistency(first, second, roots[first], flip(second_root), proof)
            assert not verify_consistency(first, second, roots[first], second_root, proof[:-1])
            assert not verify_consistency(
                first, second, roots[first], second_root, [flip(proof[0]), *proof[1:]]
            )


@settings(max_examples=60, deadline=None)
@given(leaf_lists, st.data())
def test_a_forked_log_is_not_consistent_with_a_head_of_its_past(leaves, data):
    """A log that changed a leaf below an old head cannot prove that head is its prefix."""
    first = data.draw(st.integers(1, len(leaves)), label="old head's size")
    changed = data.draw(st.integers(0, first - 1), label="rewritten leaf")
    extra = data.draw(st.lists(st.binary(max_size=8).map(leaf_hash), max_size=10))
    old_root = root_hash(leaves[:first])
    forked = [*leaves[:changed], flip(leaves[changed]), *leaves[changed + 1 :], *extra]
    forked_tree = MerkleTree(forked)
    proof = forked_tree.consistency_proof(first)
    assert not verify_consistency(first, len(forked), old_root, forked_tree.root(), proof)
