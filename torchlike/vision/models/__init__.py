"""Model architectures as ``torchvision.models``, with torchvision's ``state_dict`` layouts and
its pretrained-weights API (``resnet18(weights=ResNet18_Weights.DEFAULT)``, ``get_model``,
``list_models``); the official checkpoint files load from the hub cache."""

from . import _api
from . import alexnet as _alexnet_module
from . import efficientnet as _efficientnet_module
from . import mobilenetv2 as _mobilenetv2_module
from . import mobilenetv3 as _mobilenetv3_module
from . import resnet as _resnet_module
from . import squeezenet as _squeezenet_module
from . import vgg as _vgg_module
from . import vision_transformer as _vit_module
from ._api import *  # noqa: F403
from .alexnet import *  # noqa: F403
from .efficientnet import *  # noqa: F403
from .mobilenetv2 import *  # noqa: F403
from .mobilenetv3 import *  # noqa: F403
from .resnet import *  # noqa: F403
from .squeezenet import *  # noqa: F403
from .vgg import *  # noqa: F403
from .vision_transformer import *  # noqa: F403

__all__: list[str] = []
for _m in (
    _api,
    _alexnet_module,
    _efficientnet_module,
    _mobilenetv2_module,
    _mobilenetv3_module,
    _resnet_module,
    _squeezenet_module,
    _vgg_module,
    _vit_module,
):
    __all__ += _m.__all__
