"""``kl_divergence(p, q)`` for the pairs PyTorch has closed forms for, among those here."""

from __future__ import annotations

import jax.numpy as jnp

from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import run
from .normal import Normal
from .uniform import Uniform


def _kl_normal(ploc, pscale, qloc, qscale):
    var_ratio = (pscale / qscale) ** 2
    t1 = ((ploc - qloc) / qscale) ** 2
    return 0.5 * (var_ratio + t1 - 1 - jnp.log(var_ratio))


def _kl_categorical(plogits, qlogits):
    p = jnp.exp(plogits)
    t = p * (plogits - qlogits)
    return jnp.where(p == 0, 0.0, t).sum(-1)


def _kl_bernoulli(pp, qp):
    eps = jnp.finfo(pp.dtype).eps
    pp, qp = jnp.clip(pp, eps, 1 - eps), jnp.clip(qp, eps, 1 - eps)
    return pp * (jnp.log(pp) - jnp.log(qp)) + (1 - pp) * (jnp.log1p(-pp) - jnp.log1p(-qp))


def _kl_uniform(plow, phigh, qlow, qhigh):
    inside = (qlow <= plow) & (phigh <= qhigh)
    return jnp.where(inside, jnp.log((qhigh - qlow) / (phigh - plow)), jnp.inf)


_RULES = {
    (Normal, Normal): lambda p, q: run(_kl_normal, "KlNormal", p.loc, p.scale, q.loc, q.scale),
    (Categorical, Categorical): lambda p, q: run(
        _kl_categorical, "KlCategorical", p.logits, q.logits
    ),
    (Bernoulli, Bernoulli): lambda p, q: run(_kl_bernoulli, "KlBernoulli", p.probs, q.probs),
    (Uniform, Uniform): lambda p, q: run(_kl_uniform, "KlUniform", p.low, p.high, q.low, q.high),
}


def register_kl(type_p, type_q):
    """Decorator registering ``fn(p, q)`` as the KL divergence between two types."""

    def wrap(fn):
        _RULES[(type_p, type_q)] = fn
        return fn

    return wrap


def kl_divergence(p, q):
    for (tp, tq), rule in _RULES.items():
        if isinstance(p, tp) and isinstance(q, tq):
            return rule(p, q)
    raise NotImplementedError(
        f"No KL(p || q) is implemented for p type {type(p).__name__} and q type {type(q).__name__}"
    )
