"""Type stubs of kqent (the functions live in the native module kqent._kqent)."""

from collections.abc import Sequence
from os import PathLike
from typing import Any

from typing_extensions import Buffer

import numpy as np
import numpy.typing as npt

__version__: str

Document = dict[str, Any]
"""A JSON document as a dict: the same keys and values as the file the CLI writes."""

def assess(
    data: Buffer,
    bits: int | None = None,
    *,
    conditioned: bool = False,
    truncate: bool = False,
    h_submitter: float | None = None,
    block: tuple[int, int] | None = None,
    seed: int = 0,
    name: str = "data",
) -> Document:
    """The non-IID assessment of ``data``, as the result document of ``kqent analyze --json``.

    ``bits=None`` infers the width from the highest bit set. ``block=(index, count)``
    assesses samples ``[index*count, index*count + count)`` only. The document's
    ``assessment["h_assessed"]`` is H_assessed in bits per sample.

    Raises ValueError for bad input (wrong dtype, a sample wider than ``bits``, ...),
    TypeError when ``data`` has no buffer protocol. Constant data is not an error: 0 bits
    per sample with the reason, as ``kqent analyze`` gives.
    """

def iid(
    data: Buffer,
    bits: int | None = None,
    seed: int = 0,
    permutations: int = 10000,
    all_statistics: bool = False,
) -> Document:
    """The IID track (SP 800-90B section 5), as ``iid.detail`` of ``kqent analyze --iid --json``.

    ``result["iid"]`` is the verdict; ``result["entropy"]["h_assessed"]`` the IID estimate
    when it passed. Ctrl-C raises KeyboardInterrupt.
    """

def restart(
    matrix: Buffer,
    bits: int,
    h_initial: float,
    *,
    iid: bool = False,
    seed: int = 0,
    simulation_rounds: int = 5000000,
) -> Document:
    """The restart tests (3.1.4) of 1,000 restarts x 1,000 samples, as ``kqent restart --json``."""

def health(
    data: Buffer, h: float, alpha: float = 2**-20, bits: int | None = None
) -> Document:
    """The health tests (4.4) for a claimed ``h`` bits per symbol, as ``kqent health --json``."""

def extract(
    durations: npt.NDArray[np.uint64] | Sequence[int], method: str
) -> npt.NDArray[np.uint8]:
    """Durations (ns) to symbols: ``method`` is ``"lsb:K"``, ``"delta-lsb:K"`` or ``"xorfold"``."""

def read_trace(
    path: str | PathLike[str],
) -> tuple[dict[str, npt.NDArray[np.uint64] | npt.NDArray[np.uint32]], Document]:
    """A trace's records (``start_ns``, ``duration_ns``, ``events``, ``kinds``, ``segment``
    columns as numpy arrays) and its metadata."""

def load_result(path: str | PathLike[str]) -> Document:
    """A result document (``kqent analyze --json``, a sweep's ``results/*.json``), checked."""

def summarize(
    path: str | PathLike[str], *, alpha: float = 0.05, margin: float = 0.05
) -> Document:
    """A sweep directory's (or one result file's) statistics over repetitions, comparisons
    (Welch, Holm-corrected at ``alpha``; resolved against ``margin`` bits/symbol), answer and
    caveats: the ``summary.json`` of ``kqent report``."""
