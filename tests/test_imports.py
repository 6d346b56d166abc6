"""Every module and name real PyTorch programs import at the top resolves under the alias.

The table is the ``import torch...`` / ``from torch... import`` / torchvision lines of
pytorch/examples, yunjey/pytorch-tutorial, jcjohnson/pytorch-examples, MorvanZhou/PyTorch-Tutorial,
karpathy/makemore and L1aoXingyu/pytorch-beginner (found by parsing every ``.py`` file in them), and
common imports beyond them. A program must not die at import because of a feature it never uses:
a module torchlike lacks imports as a placeholder whose names raise ``NotImplementedError`` naming
the API when called. All rows run in one child process (the alias replaces ``torch`` in
``sys.modules``, which must not happen inside the test session, where ``torch`` is PyTorch).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import pytest

from torchlike._torch_modules import TORCH_MODULES

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

IMPORTS = [
    # found in the example repositories
    "import torch",
    "import torch.nn",
    "import torch.nn.functional",
    "import torch.nn.init",
    "import torch.nn.parallel",
    "import torch.optim",
    "import torch.multiprocessing",
    "import torch.distributed",
    "import torch.distributed.autograd",
    "import torch.distributed.checkpoint",
    "import torch.distributed.rpc",
    "import torch.utils.data",
    "import torch.utils.data.distributed",
    "import torch.backends.cudnn",
    "import torch.backends.cudnn as cudnn",
    "import torch.cuda.nccl",
    "import torch.fx",
    "import torch.onnx",
    "import torchvision",
    "import torchvision.datasets",
    "import torchvision.models",
    "import torchvision.transforms",
    "import torchvision.utils",
    "from torch import nn, optim",
    "from torch.autograd import Variable",
    "from torch.distributed import init_process_group, destroy_process_group",
    "from torch.distributed._tensor import Shard, Replicate",
    "from torch.distributed._tensor.device_mesh import init_device_mesh",
    "from torch.distributed.algorithms._checkpoint.checkpoint_wrapper import "
    "CheckpointImpl, apply_activation_checkpointing, checkpoint_wrapper",
    "from torch.distributed.checkpoint import "
    "FileSystemReader, FileSystemWriter, load_state_dict, save_state_dict",
    "from torch.distributed.checkpoint.default_planner import "
    "DefaultLoadPlanner, DefaultSavePlanner",
    "from torch.distributed.checkpoint.state_dict import StateDictOptions, "
    "get_model_state_dict, get_optimizer_state_dict, set_model_state_dict, "
    "set_optimizer_state_dict",
    "from torch.distributed.device_mesh import init_device_mesh",
    "from torch.distributed.nn import RemoteModule",
    "from torch.distributed.optim import DistributedOptimizer",
    "from torch.distributed.rpc import RRef, TensorPipeRpcBackendOptions, remote, rpc_async, "
    "rpc_sync",
    "from torch.distributed.tensor import DTensor, Shard, distribute_tensor",
    "from torch.distributed.tensor.parallel import ColwiseParallel, PrepareModuleInput, "
    "RowwiseParallel, SequenceParallel, parallelize_module",
    "from torch.distributed.fsdp import FullyShardedDataParallel, fully_shard",
    "from torch.distributions import Categorical",
    "from torch.fx import Graph, GraphModule, Node, Proxy, Tracer, replace_pattern, symbolic_trace",
    "from torch.fx.node import map_arg",
    "from torch.hub import download_url_to_file",
    "from torch.nn import functional as F, init",
    "from torch.nn.parallel import DistributedDataParallel as DDP",
    "from torch.nn.utils import clip_grad_norm_",
    "from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence",
    "from torch.optim import Adam",
    "from torch.optim.lr_scheduler import StepLR",
    "from torch.utils.data import DataLoader, Dataset, Subset, random_split",
    "from torch.utils.data.dataloader import DataLoader",
    "from torch.utils.data.distributed import DistributedSampler",
    "from torch.utils.data.sampler import Sampler",
    "from torch.utils.model_zoo import load_url",
    "from torch.utils.tensorboard import SummaryWriter",
    "from torchvision import datasets, models, transforms",
    "from torchvision import transforms as T",
    "from torchvision.datasets import MNIST",
    "from torchvision.models.resnet import Bottleneck",
    "from torchvision.transforms import CenterCrop, Compose, Lambda, Normalize, Resize, ToTensor",
    "from torchvision.utils import save_image",
    # common beyond them
    "import torch.backends.mps",
    "import torch.backends.cuda",
    "from torch.cuda.amp import GradScaler, autocast",
    "from torch.amp import GradScaler, autocast",
    "import torch.jit",
    "import torch.profiler",
    "import torch.fft",
    "import torch.nn.utils.parametrize",
    "import torch.autograd.functional",
    "import torch.utils.checkpoint",
    "import torch._dynamo",
    "import torchvision.transforms.functional as TF",
    "import torchvision.transforms.v2",
    "import torchvision.io",
    "import torchvision.models.vgg",
]

# code, then the exception it raises (None: none) and a part of its message
BEHAVIOUR = [
    (
        "import torch.distributed.rpc\ntorch.distributed.rpc.init_rpc('worker')",
        "NotImplementedError",
        "torch.distributed.rpc.init_rpc is not provided by torchlike yet",
    ),
    (
        "from torch.distributed.rpc import RRef\nclass T(RRef):\n    pass\nT()",
        "NotImplementedError",
        "torch.distributed.rpc.RRef is not provided",
    ),
    (
        "from torch.distributed.fsdp.fully_sharded_data_parallel import StateDictType\n"
        "StateDictType.FULL_STATE_DICT()",
        "NotImplementedError",
        "torch.distributed.fsdp.fully_sharded_data_parallel.StateDictType.FULL_STATE_DICT",
    ),
    (
        "import torch, torchlike\nimport torch.backends.cudnn as cudnn\ncudnn.benchmark = True\n"
        "assert torchlike.backends.cudnn.benchmark and torch.backends.cudnn is cudnn",
        None,
        "",
    ),
    (
        "from torch.utils.model_zoo import load_url\nimport torch.hub\n"
        "assert load_url is torch.hub.load_state_dict_from_url",
        None,
        "",
    ),
    ("import torch.no_such_module", "ImportError", "'torch.no_such_module'"),
    ("import torchvision.no_such_module", "ImportError", "'torchvision.no_such_module'"),
    ("import torch.multiprocessing.spawn", "ImportError", "'torch.multiprocessing.spawn'"),
]

CHILD = textwrap.dedent(
    """
    import json, sys, warnings
    warnings.simplefilter("ignore")
    from torchlike._alias import install
    install()
    out = []
    for code in json.load(sys.stdin):
        try:
            exec(code, {})
            out.append([None, ""])
        except Exception as e:
            out.append([type(e).__name__, str(e)])
    print(json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def outcomes() -> dict[str, tuple[str | None, str]]:
    codes = IMPORTS + [code for code, _, _ in BEHAVIOUR]
    proc = subprocess.run(
        [sys.executable, "-c", CHILD],
        input=json.dumps(codes),
        env=dict(os.environ, PYTHONPATH=ROOT),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return dict(zip(codes, map(tuple, json.loads(proc.stdout.splitlines()[-1]))))


@pytest.mark.parametrize("statement", IMPORTS)
def test_import_resolves(outcomes, statement):
    assert outcomes[statement] == (None, ""), outcomes[statement]


@pytest.mark.parametrize(("code", "error", "message"), BEHAVIOUR)
def test_placeholders_and_missing_modules(outcomes, code, error, message):
    raised, text = outcomes[code]
    assert raised == error and message in text, (raised, text)


def test_module_table_names_pytorch_modules():
    """Each torch entry of the placeholder table is a module PyTorch has (a table entry that is
    not would let a misspelt import pass silently)."""
    sample = sorted(m for m in TORCH_MODULES if "._" not in m and m.count(".") <= 2)
    missing = [m for m in sample if not _torch_has(m)]
    assert not missing


def _torch_has(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ValueError:  # already imported, without a spec (torch registers some modules so)
        return name in sys.modules
