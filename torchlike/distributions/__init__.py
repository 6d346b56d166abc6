"""``torch.distributions``: Normal, Uniform, Bernoulli, Categorical and their KL divergences.

Densities, entropies and KL terms are pure JAX functions run through the dispatcher (so they
are differentiable and compile); samples come from the ``torchlike.manual_seed`` stream (the
same distributions as PyTorch's, not the same numbers). Arguments are validated by default, as in
PyTorch, with the same ValueError.
"""

from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .kl import kl_divergence, register_kl
from .normal import Normal
from .uniform import Uniform

__all__ = [
    "Bernoulli",
    "Categorical",
    "Distribution",
    "Normal",
    "Uniform",
    "kl_divergence",
    "register_kl",
]
