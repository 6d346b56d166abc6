"""Gaps found by running public PyTorch programs unmodified (tools/compat_sweep.py), each checked
against PyTorch."""

from __future__ import annotations

import itertools

import torch as ref

import torchlike as tl


def test_random_sampler_with_replacement_is_lazy_for_huge_num_samples():
    # an endless loader asks for ~1e10 samples and reads only a few: nothing may be materialised
    n, huge = 7, 10**10
    theirs = ref.utils.data.RandomSampler(range(n), replacement=True, num_samples=huge)
    ours = tl.utils.data.RandomSampler(range(n), replacement=True, num_samples=huge)
    assert len(ours) == len(theirs)
    head = list(itertools.islice(iter(ours), 5000))
    assert len(head) == 5000 and set(head) <= set(range(n))
    assert len(set(head)) == n


def test_random_sampler_with_replacement_yields_num_samples():
    for num in (1, 4095, 4096, 4097, 9000):
        theirs = ref.utils.data.RandomSampler(range(3), replacement=True, num_samples=num)
        ours = tl.utils.data.RandomSampler(range(3), replacement=True, num_samples=num)
        assert len(list(ours)) == len(list(theirs)) == num
