"""Parley's numbers app: phone numbers and number orders.

The name is required by the project layout and shadows the standard library module ``numbers``
whenever the project root is first on sys.path (``decimal`` and ``fractions`` import it). So this
package first runs the standard library module in its own namespace: ``numbers.Number`` and the
other ABCs are the real ones and everything that imports ``numbers`` keeps working.
Parley starts every process with the project root first on sys.path (``python -m``, PYTHONPATH=.);
config/settings.py refuses to start when the standard library module won instead.
"""

import sysconfig
from pathlib import Path

_STDLIB_NUMBERS = Path(sysconfig.get_paths()["stdlib"]) / "numbers.py"
exec(compile(_STDLIB_NUMBERS.read_text(), str(_STDLIB_NUMBERS), "exec"), globals())  # noqa: S102
