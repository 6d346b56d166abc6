# A child process of `python -m torchlike run`: `import lightning` means torchlike.lightning.
import sys

import torchlike.lightning
from torchlike import _alias

_alias.install()
sys.modules[__name__] = torchlike.lightning
