"""``python -m k8slearn``: the same as the ``k8slearn`` command."""

import sys

from .cli import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())
