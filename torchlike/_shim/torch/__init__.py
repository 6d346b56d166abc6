# A child process of `python -m torchlike run`: `import torch` means torchlike.
import sys

from torchlike import _alias

_alias.install()
sys.modules[__name__] = sys.modules["torchlike"]
