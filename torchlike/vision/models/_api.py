"""torchvision's multi-weight API: ``Weights``/``WeightsEnum`` (``ResNet18_Weights.DEFAULT``,
``.IMAGENET1K_V1``, with ``url``, ``transforms()`` and ``meta["categories"]``), the model registry
(``list_models``, ``get_model``, ``get_model_weights``, ``get_weight``) and the legacy
``pretrained=True`` argument.

Weights are torchvision's official checkpoint files, fetched with
:func:`torchlike.hub.load_state_dict_from_url` (hash-checked, cached in
``$TORCH_HOME/hub/checkpoints`` under torchvision's file names, so a file PyTorch already
downloaded is used without network).
"""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import inspect
import sys
import typing
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from PIL import Image

from ... import float32
from ...hub import load_state_dict_from_url
from ...nn import init as _init
from .. import transforms as T
from ._meta import IMAGENET_CATEGORIES

# What ``torchvision.models`` exports from here; ImageClassification is torchvision's
# ``transforms._presets`` class, reached through ``Weights.transforms``.
__all__ = [
    "Weights",
    "WeightsEnum",
    "get_model",
    "get_model_builder",
    "get_model_weights",
    "get_weight",
    "list_models",
]

_MODELS_URL = "https://download.pytorch.org/models/"


class ImageClassification:
    """The inference preset of the ImageNet weights: resize the short side to
    ``resize_size``, centre-crop ``crop_size``, scale to ``[0, 1]``, normalise.

    Accepts a PIL image or a ``(..., C, H, W)`` tensor; returns a float tensor.
    """

    def __init__(
        self,
        *,
        crop_size: int,
        resize_size: int = 256,
        mean: tuple[float, ...] = (0.485, 0.456, 0.406),
        std: tuple[float, ...] = (0.229, 0.224, 0.225),
        interpolation=Image.Resampling.BILINEAR,
        antialias: bool | None = True,
    ) -> None:
        self.crop_size = [crop_size]
        self.resize_size = [resize_size]
        self.mean = list(mean)
        self.std = list(std)
        self.interpolation = interpolation
        self.antialias = antialias

    def __call__(self, img):
        img = T.resize(img, self.resize_size, self.interpolation, antialias=self.antialias)
        img = T.center_crop(img, self.crop_size)
        if T._is_pil(img):
            img = T.PILToTensor()(img)
        img = T.ConvertImageDtype(float32)(img)
        return T.Normalize(self.mean, self.std)(img)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(\n    crop_size={self.crop_size}\n    "
            f"resize_size={self.resize_size}\n    mean={self.mean}\n    std={self.std}\n    "
            f"interpolation={self.interpolation}\n)"
        )


@dataclass
class Weights:
    """One set of pretrained weights: the checkpoint's URL, its preprocessing and metadata."""

    url: str
    transforms: Callable
    meta: dict[str, Any] = field(default_factory=dict)


class WeightsEnum(Enum):
    """Base of ``ResNet18_Weights`` and friends; members hold a :class:`Weights`."""

    @classmethod
    def verify(cls, obj: Any) -> Any:
        """``None``, a member, or a member's name (``"IMAGENET1K_V1"``, ``"X_Weights.DEFAULT"``)."""
        if obj is None:
            return None
        if type(obj) is str:
            return cls[obj.replace(cls.__name__ + ".", "")]
        if not isinstance(obj, cls):
            raise TypeError(
                f"Invalid Weight class provided; expected {cls.__name__} but received "
                f"{obj.__class__.__name__}."
            )
        return obj

    def get_state_dict(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The checkpoint's state dict (``load_state_dict_from_url`` arguments pass through)."""
        return load_state_dict_from_url(self.url, *args, **kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self._name_}"

    @property
    def url(self) -> str:
        return self.value.url

    @property
    def transforms(self) -> Callable:
        return self.value.transforms

    @property
    def meta(self) -> dict[str, Any]:
        return self.value.meta


def imagenet_weights(
    file: str, num_params: int, min_size: tuple[int, int], **preset: Any
) -> Weights:
    """A torchvision ImageNet-1K checkpoint: ``file`` under download.pytorch.org/models."""
    preset.setdefault("crop_size", 224)
    meta = {
        "categories": list(IMAGENET_CATEGORIES),
        "num_params": num_params,
        "min_size": min_size,
    }
    return Weights(_MODELS_URL + file, functools.partial(ImageClassification, **preset), meta)


_INIT_FUNCTIONS = (
    "uniform_",
    "normal_",
    "trunc_normal_",
    "constant_",
    "ones_",
    "zeros_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "orthogonal_",
)


@contextlib.contextmanager
def skip_init():
    """While active, ``torchlike.nn.init``'s fill functions leave tensors as they are.

    Building a model draws every parameter's initial values, and each new parameter shape
    compiles its own random program (ResNet-18: about 80 programs, tens of seconds on a small
    CPU). When pretrained weights replace all of them right after, that work is skipped. The
    swap is process-wide for its duration: do not build other models in other threads meanwhile.
    """
    saved = {name: getattr(_init, name) for name in _INIT_FUNCTIONS}
    for name in _INIT_FUNCTIONS:
        setattr(_init, name, _leave)
    try:
        yield
    finally:
        for name, fn in saved.items():
            setattr(_init, name, fn)


def _leave(tensor, *args, **kwargs):
    return tensor


def build_with_weights(
    factory: Callable[..., Any], weights: WeightsEnum | None, progress: bool, **kwargs: Any
):
    """``factory(**kwargs)``, with ``weights`` (when given) loaded into it and ``num_classes``
    fixed to the number of their categories (a contradicting ``num_classes`` raises).

    With weights, the random initialisation is skipped (:func:`skip_init`): ``load_state_dict``
    is strict, so every value it would have drawn is replaced. The one difference from PyTorch
    is that the global random generator is not advanced by the build.
    """
    if weights is None:
        return factory(**kwargs)
    _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    state_dict = weights.get_state_dict(progress=progress, check_hash=True)
    with skip_init():
        model = factory(**kwargs)
    model.load_state_dict(state_dict)
    return model


def _ovewrite_named_param(kwargs: dict[str, Any], param: str, new_value: Any) -> None:
    """Fix ``kwargs[param]`` to what the weights need, refusing a contradicting value."""
    if param in kwargs:
        if kwargs[param] != new_value:
            raise ValueError(
                f"The parameter '{param}' expected value {new_value} but got {kwargs[param]} "
                "instead."
            )
    else:
        kwargs[param] = new_value


def weights_builder(legacy: Callable[[], WeightsEnum | None]):
    """Register a model builder and accept torchvision's legacy ``pretrained=`` argument
    (``True`` means the weights ``legacy()`` returns, with torchvision's deprecation warnings)."""

    def decorate(builder: Callable) -> Callable:
        @functools.wraps(builder)
        def wrapper(*args: Any, **kwargs: Any):
            if "pretrained" in kwargs:
                pretrained = kwargs.pop("pretrained")
                if "weights" in kwargs and kwargs["weights"] not in (None, "legacy"):
                    raise ValueError("Pass either 'weights' or the deprecated 'pretrained'")
                default = legacy() if pretrained else None
                if pretrained and default is None:
                    raise ValueError(f"No weights available for model {builder.__name__}")
                warnings.warn(
                    "The parameter 'pretrained' is deprecated since 0.13 and may be removed in "
                    "the future, please use 'weights' instead.",
                    UserWarning,
                    stacklevel=2,
                )
                msg = (
                    "Arguments other than a weight enum or `None` for 'weights' are deprecated "
                    "since 0.13 and may be removed in the future. The current behavior is "
                    f"equivalent to passing `weights={default}`."
                )
                if pretrained:
                    msg += (
                        f" You can also use `weights={type(default).__name__}.DEFAULT` to get "
                        "the most up-to-date weights."
                    )
                warnings.warn(msg, UserWarning, stacklevel=2)
                kwargs["weights"] = default
            return builder(*args, **kwargs)

        BUILTIN_MODELS[builder.__name__] = wrapper
        return wrapper

    return decorate


BUILTIN_MODELS: dict[str, Callable] = {}


def model_builder(
    name: str,
    weights_enum: type[WeightsEnum],
    factory: Callable[..., Any],
    doc: str,
    **fixed: Any,
) -> Callable:
    """The registered builder ``name(*, weights=None, progress=True, **kwargs)`` of
    ``weights_enum``'s models: ``factory(**kwargs)`` with the weights loaded
    (:func:`build_with_weights`), the parameters in ``fixed`` set to their values (a
    contradicting argument raises), and ``pretrained=True`` meaning ``IMAGENET1K_V1``."""

    def builder(*, weights: WeightsEnum | None = None, progress: bool = True, **kwargs: Any):
        weights = weights_enum.verify(weights)
        for param, value in fixed.items():
            _ovewrite_named_param(kwargs, param, value)
        return build_with_weights(factory, weights, progress, **kwargs)

    builder.__name__ = builder.__qualname__ = name
    builder.__module__ = weights_enum.__module__
    builder.__doc__ = doc
    builder.__annotations__ = {**builder.__annotations__, "weights": weights_enum | None}
    return weights_builder(lambda: weights_enum.IMAGENET1K_V1)(builder)


def list_models(
    module=None,
    include: Iterable[str] | str | None = None,
    exclude: Iterable[str] | str | None = None,
) -> list[str]:
    """Names of the registered model builders (in ``module``), filtered by fnmatch patterns."""
    names = {
        k
        for k, v in BUILTIN_MODELS.items()
        if module is None or v.__module__.rsplit(".", 1)[0] == module.__name__
    }
    if include:
        patterns = [include] if isinstance(include, str) else include
        names = {n for p in patterns for n in fnmatch.filter(names, p)}
    if exclude:
        patterns = [exclude] if isinstance(exclude, str) else exclude
        names -= {n for p in patterns for n in fnmatch.filter(names, p)}
    return sorted(names)


def get_model_builder(name: str) -> Callable:
    """The builder registered as ``name`` (``"resnet18"``)."""
    try:
        return BUILTIN_MODELS[name.lower()]
    except KeyError:
        raise ValueError(f"Unknown model {name}") from None


def get_model(name: str, **config: Any):
    """Build model ``name`` with ``config`` (``weights=``, ``num_classes=``, ...)."""
    return get_model_builder(name)(**config)


def get_model_weights(name: Callable | str) -> type[WeightsEnum]:
    """The weights enum of a builder (or of the builder registered as ``name``)."""
    fn = get_model_builder(name) if isinstance(name, str) else name
    hints = typing.get_type_hints(inspect.unwrap(fn))
    for t in typing.get_args(hints.get("weights")) or (hints.get("weights"),):
        if isinstance(t, type) and issubclass(t, WeightsEnum):
            return t
    raise ValueError("The method is missing the 'weights' argument.")


def get_weight(name: str) -> WeightsEnum:
    """A weights member by its full name, ``"ResNet50_Weights.IMAGENET1K_V2"``."""
    try:
        enum_name, value_name = name.split(".")
    except ValueError:
        raise ValueError(f"Invalid weight name provided: '{name}'.") from None
    package = sys.modules[__name__.rsplit(".", 1)[0]]
    enum = getattr(package, enum_name, None)
    if not (isinstance(enum, type) and issubclass(enum, WeightsEnum)):
        raise ValueError(
            f"The weight enum '{enum_name}' for the specific method couldn't be retrieved."
        )
    return enum[value_name]
