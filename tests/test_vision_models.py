"""torchlike.vision.models against torchvision's architectures.

torchvision is not installed in the test environment, so each architecture's forward is written
here as a torch function over a ``state_dict`` whose keys follow torchvision's layout (read from
torchvision's source). A random state dict in that layout must load into the torchlike model
(strict: same keys, same shapes) and give the torch function's outputs. Configurations are
reduced where the builders allow it (fewer blocks, narrower stages, small inputs), built
without their random initialisation (``skip_init``: the state dict replaces it) and run
compiled (one XLA program rather than one per op and shape), to keep the tests fast.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import torchlike
from torchlike.vision import models
from torchlike.vision.models._api import skip_init

# --- torch references over torchvision state dicts --------------------------------------------


def conv(sd, p, x, **kw):
    return F.conv2d(x, sd[p + ".weight"], sd.get(p + ".bias"), **kw)


def bn(sd, p, x, eps=1e-5):
    w, b = sd[p + ".weight"], sd[p + ".bias"]
    return F.batch_norm(x, sd[p + ".running_mean"], sd[p + ".running_var"], w, b, False, 0.0, eps)


def linear(sd, p, x):
    return F.linear(x, sd[p + ".weight"], sd[p + ".bias"])


def ref_vgg(sd, x, cfg, batch_norm):
    i = 0
    for v in cfg:
        if v == "M":
            x = F.max_pool2d(x, 2, 2)
            i += 1
            continue
        x = conv(sd, f"features.{i}", x, padding=1)
        if batch_norm:
            x = bn(sd, f"features.{i + 1}", x)
        x = F.relu(x)
        i += 3 if batch_norm else 2
    x = F.adaptive_avg_pool2d(x, (7, 7)).flatten(1)
    x = F.relu(linear(sd, "classifier.0", x))
    x = F.relu(linear(sd, "classifier.3", x))
    return linear(sd, "classifier.6", x)


def ref_alexnet(sd, x):
    x = F.max_pool2d(F.relu(conv(sd, "features.0", x, stride=4, padding=2)), 3, 2)
    x = F.max_pool2d(F.relu(conv(sd, "features.3", x, padding=2)), 3, 2)
    for i in (6, 8, 10):
        x = F.relu(conv(sd, f"features.{i}", x, padding=1))
    x = F.adaptive_avg_pool2d(F.max_pool2d(x, 3, 2), (6, 6)).flatten(1)
    x = F.relu(linear(sd, "classifier.1", x))
    x = F.relu(linear(sd, "classifier.4", x))
    return linear(sd, "classifier.6", x)


def ref_squeezenet(sd, x, version):
    first = {"1_0": dict(stride=2), "1_1": dict(stride=2)}[version]
    x = F.relu(conv(sd, "features.0", x, **first))
    pools = {"1_0": (2, 6, 11), "1_1": (2, 5, 8)}[version]
    for i in range(2, 13):
        if i in pools:
            x = F.max_pool2d(x, 3, 2, ceil_mode=True)
            continue
        s = F.relu(conv(sd, f"features.{i}.squeeze", x))
        a = F.relu(conv(sd, f"features.{i}.expand1x1", s))
        x = torch.cat([a, F.relu(conv(sd, f"features.{i}.expand3x3", s, padding=1))], 1)
    x = F.relu(conv(sd, "classifier.1", x))
    return F.adaptive_avg_pool2d(x, 1).flatten(1)


def cna(sd, p, x, act, eps=1e-5, **kw):
    """Conv2dNormActivation: conv (padding (k-1)//2), BatchNorm, activation."""
    k = sd[p + ".0.weight"].shape[-1]
    groups = x.shape[1] // sd[p + ".0.weight"].shape[1]
    x = bn(sd, p + ".1", conv(sd, p + ".0", x, padding=(k - 1) // 2, groups=groups, **kw), eps)
    return act(x) if act else x


def squeeze_excite(sd, p, x, act, gate):
    s = act(conv(sd, p + ".fc1", F.adaptive_avg_pool2d(x, 1)))
    return x * gate(conv(sd, p + ".fc2", s))


def ref_mobilenet_v3(sd, x, rows):
    hs = F.hardswish
    x = cna(sd, "features.0", x, hs, 1e-3, stride=2)
    for i, (cin, _k, exp, cout, se, act, s, _d) in enumerate(rows, 1):
        a = hs if act == "HS" else F.relu
        p, j, y = f"features.{i}.block", 0, x
        if exp != cin:
            y, j = cna(sd, f"{p}.0", y, a, 1e-3), 1
        y, j = cna(sd, f"{p}.{j}", y, a, 1e-3, stride=s), j + 1
        if se:
            y, j = squeeze_excite(sd, f"{p}.{j}", y, F.relu, F.hardsigmoid), j + 1
        y = cna(sd, f"{p}.{j}", y, None, 1e-3)
        x = x + y if s == 1 and cin == cout else y
    x = cna(sd, f"features.{len(rows) + 1}", x, hs, 1e-3)
    x = hs(linear(sd, "classifier.0", F.adaptive_avg_pool2d(x, 1).flatten(1)))
    return linear(sd, "classifier.3", x)


def ref_efficientnet(sd, x, setting):
    x = cna(sd, "features.0", x, F.silu, stride=2)
    for si, (e, _k, s, cin, cout, n) in enumerate(setting, 1):
        for b in range(n):
            ci, st = (cin, s) if b == 0 else (cout, 1)
            p, j, y = f"features.{si}.{b}.block", 0, x
            if e != 1:
                y, j = cna(sd, f"{p}.0", y, F.silu), 1
            y, j = cna(sd, f"{p}.{j}", y, F.silu, stride=st), j + 1
            y, j = squeeze_excite(sd, f"{p}.{j}", y, F.silu, torch.sigmoid), j + 1
            y = cna(sd, f"{p}.{j}", y, None)
            x = x + y if st == 1 and ci == cout else y
    x = cna(sd, f"features.{len(setting) + 1}", x, F.silu)
    return linear(sd, "classifier.1", F.adaptive_avg_pool2d(x, 1).flatten(1))


def ref_vit(sd, x, patch, layers, heads, hidden):
    def ln(p, t):
        return F.layer_norm(t, (hidden,), sd[p + ".weight"], sd[p + ".bias"], 1e-6)

    n = x.shape[0]
    x = conv(sd, "conv_proj", x, stride=patch).reshape(n, hidden, -1).permute(0, 2, 1)
    x = torch.cat([sd["class_token"].expand(n, -1, -1), x], 1) + sd["encoder.pos_embedding"]
    for i in range(layers):
        p = f"encoder.layers.encoder_layer_{i}"
        w, bias = sd[p + ".self_attention.in_proj_weight"], sd[p + ".self_attention.in_proj_bias"]
        q, k, v = (
            t.reshape(n, -1, heads, hidden // heads).transpose(1, 2)
            for t in F.linear(ln(p + ".ln_1", x), w, bias).chunk(3, -1)
        )
        y = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(n, -1, hidden)
        x = x + linear(sd, p + ".self_attention.out_proj", y)
        y = F.gelu(linear(sd, p + ".mlp.0", ln(p + ".ln_2", x)))
        x = x + linear(sd, p + ".mlp.3", y)
    return linear(sd, "heads.head", ln("encoder.ln", x)[:, 0])


def ref_mobilenet_v2(sd, x, setting):
    relu6 = F.relu6
    x = cna(sd, "features.0", x, relu6, stride=2)
    i = 1
    for t, _c, n, s in setting:
        for j in range(n):
            p = f"features.{i}.conv"
            y = x
            k = 0
            if t != 1:
                y = cna(sd, f"{p}.0", y, relu6)
                k = 1
            y = cna(sd, f"{p}.{k}", y, relu6, stride=s if j == 0 else 1)
            y = bn(sd, f"{p}.{k + 2}", conv(sd, f"{p}.{k + 1}", y))
            x = x + y if (j > 0 or s == 1) and x.shape == y.shape else y
            i += 1
    x = cna(sd, f"features.{i}", x, relu6)
    return linear(sd, "classifier.1", F.adaptive_avg_pool2d(x, 1).flatten(1))


# --- the table --------------------------------------------------------------------------------

SMALL_VGG = [16, "M", 32, 32, "M", 512, "M"]
V3_ROWS = [
    (16, 3, 16, 16, True, "RE", 2, 1),
    (16, 3, 72, 24, False, "RE", 2, 1),
    (24, 5, 88, 24, True, "HS", 1, 1),
]
B0_STAGES = [(1, 3, 1, 32, 16, 1), (6, 5, 2, 16, 24, 2)]
V2_SETTING = [[1, 16, 1, 1], [6, 24, 2, 2], [2, 32, 1, 1]]

CASES = {
    # VGG's classifier is fixed at 25088-4096-4096 (100M weights); one VGG case keeps the time
    # down, the BatchNorm variant as its indices are the less obvious ones.
    "vgg_bn": (
        lambda: models.VGG(
            models.vgg.make_layers(SMALL_VGG, batch_norm=True), num_classes=7, init_weights=False
        ),
        lambda sd, x: ref_vgg(sd, x, SMALL_VGG, True),
        (2, 3, 32, 32),
    ),
    "alexnet": (lambda: models.alexnet(num_classes=7), ref_alexnet, (2, 3, 63, 63)),
    "squeezenet1_1": (
        lambda: models.squeezenet1_1(num_classes=7),
        lambda sd, x: ref_squeezenet(sd, x, "1_1"),
        (2, 3, 33, 33),
    ),
    "mobilenet_v2": (
        lambda: models.mobilenet_v2(
            num_classes=7, width_mult=0.5, inverted_residual_setting=V2_SETTING
        ),
        lambda sd, x: ref_mobilenet_v2(sd, x, V2_SETTING),
        (2, 3, 32, 32),
    ),
    "mobilenet_v3": (
        lambda: models.MobileNetV3(
            [models.mobilenetv3.InvertedResidualConfig(*r, width_mult=1.0) for r in V3_ROWS],
            64,
            num_classes=7,
        ),
        lambda sd, x: ref_mobilenet_v3(sd, x, V3_ROWS),
        (2, 3, 32, 32),
    ),
    "efficientnet": (
        lambda: models.EfficientNet(
            [models.MBConvConfig(*r) for r in B0_STAGES], dropout=0.2, num_classes=7
        ),
        lambda sd, x: ref_efficientnet(sd, x, B0_STAGES),
        (2, 3, 32, 32),
    ),
    "vit": (
        lambda: models.VisionTransformer(32, 16, 2, 2, 16, 32, num_classes=7),
        lambda sd, x: ref_vit(sd, x, 16, 2, 2, 16),
        (2, 3, 32, 32),
    ),
}


def random_state_dict(shapes, seed=0):
    """Values that keep activations O(1) through deep stacks: fan-in scaled weights, positive
    running variances, BatchNorm scales near 1."""
    g = torch.Generator().manual_seed(seed)
    sd = {}
    for k, shape in shapes.items():
        if k.endswith("num_batches_tracked"):
            sd[k] = torch.tensor(3)
        elif k.endswith("running_var"):
            sd[k] = torch.rand(shape, generator=g) + 0.5
        elif len(shape) > 1:
            fan_in = int(np.prod(shape[1:]))
            if fan_in > 4096:  # a rank-one random matrix: the big classifiers are cheap to draw
                rows, cols = torch.randn(shape[0], 1, generator=g), torch.randn(1, fan_in)
                sd[k] = (rows * cols * (1.5 / fan_in) ** 0.5).reshape(shape)
            else:
                sd[k] = torch.randn(shape, generator=g) * (1.5 / fan_in) ** 0.5
        elif k.endswith("weight"):
            sd[k] = 1 + 0.1 * torch.randn(shape, generator=g)
        else:
            sd[k] = 0.1 * torch.randn(shape, generator=g)
    return sd


@pytest.mark.parametrize("name", list(CASES))
def test_torchvision_state_dict_loads_and_matches(name):
    build, reference, input_shape = CASES[name]
    with skip_init():  # the values are replaced below; drawing them compiles per shape
        model = build().eval()
    shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    sd = random_state_dict(shapes)
    model.load_state_dict({k: torchlike.from_numpy(v.numpy()) for k, v in sd.items()})
    x = torch.randn(input_shape, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        want = reference(sd, x)
    with torchlike.no_grad():
        got = torchlike.compile(model)(torchlike.from_numpy(x.numpy()))
    assert got.shape == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4, atol=1e-4)


def ref_preset(img, crop, resize, interpolation, mean, std):
    """torchvision's ImageClassification on a PIL image: short side to ``resize``, centre crop,
    [0, 1] floats, normalised."""
    w, h = img.size
    short, long = (w, h) if w <= h else (h, w)
    new_long = int(resize * long / short)
    img = img.resize((resize, new_long) if w <= h else (new_long, resize), interpolation)
    w, h = img.size
    top, left = int(round((h - crop) / 2.0)), int(round((w - crop) / 2.0))
    img = img.crop((left, top, left + crop, top + crop))
    x = torch.from_numpy(np.asarray(img).copy()).permute(2, 0, 1).float() / 255
    return (x - torch.tensor(mean)[:, None, None]) / torch.tensor(std)[:, None, None]


@pytest.mark.parametrize(
    "weights", [models.ResNet50_Weights.DEFAULT, models.EfficientNet_B0_Weights.DEFAULT]
)
def test_weights_preset_matches_torchvision(weights):
    from PIL import Image

    img = Image.fromarray(np.random.default_rng(0).integers(0, 256, (300, 280, 3), np.uint8))
    preset = weights.transforms()
    want = ref_preset(
        img,
        preset.crop_size[0],
        preset.resize_size[0],
        preset.interpolation,
        preset.mean,
        preset.std,
    )
    np.testing.assert_allclose(preset(img).numpy(), want.numpy(), rtol=1e-6, atol=1e-6)
