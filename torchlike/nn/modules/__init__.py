"""The layer zoo, one family per file as in ``torch/nn/modules``; each family's ``__all__`` says
what it adds here."""

from types import ModuleType

from .activation import *  # noqa: F403
from .batchnorm import *  # noqa: F403
from .channelshuffle import *  # noqa: F403
from .container import *  # noqa: F403
from .conv import *  # noqa: F403
from .distance import *  # noqa: F403
from .dropout import *  # noqa: F403
from .flatten import *  # noqa: F403
from .fold import *  # noqa: F403
from .instancenorm import *  # noqa: F403
from .linear import *  # noqa: F403
from .loss import *  # noqa: F403
from .module import Module as Module
from .normalization import *  # noqa: F403
from .padding import *  # noqa: F403
from .pixelshuffle import *  # noqa: F403
from .pooling import *  # noqa: F403
from .rnn import *  # noqa: F403
from .sparse import *  # noqa: F403
from .transformer import *  # noqa: F403
from .upsampling import *  # noqa: F403


def _public_names() -> list[str]:
    """``Module`` and every family's ``__all__`` (importing a family binds its name here;
    private helper modules are no family)."""
    families = [
        value
        for name, value in globals().items()
        if isinstance(value, ModuleType)
        and value.__name__ == f"{__name__}.{name}"
        and not name.startswith("_")
    ]
    return sorted(
        {"Module", *(name for family in families for name in getattr(family, "__all__", ()))}
    )


__all__ = _public_names()
