"""Imported before torch by the scripts here: without PyTorch, one line says how to install it
instead of a traceback."""
import os
import sys

try:
    import torch  # noqa: F401
except ImportError:
    sys.exit(f"{os.path.basename(sys.argv[0])}: PyTorch is not installed for {sys.executable}:"
             f" apt-get install python3-torch (Debian, Ubuntu) or {sys.executable} -m pip install torch")
