"""kqent: SP 800-90B entropy assessment of byte buffers, kqent traces and result documents.

The functions take samples as anything with the buffer protocol (``bytes``, ``bytearray``,
``memoryview``, a numpy ``uint8`` array), one sample per byte whose low ``bits`` bits are the
symbol. A C-contiguous buffer is read in place, without a copy. Results are plain dicts equal
to the JSON documents the ``kqent`` command writes; bad input raises ``ValueError`` with the
command's message. The GIL is released while they compute, and Ctrl-C stops a long IID run
with ``KeyboardInterrupt``. Do not write into a buffer while a call reads it.

- ``assess(data, bits=None, **options)``: the non-IID assessment, as ``kqent analyze --json``;
- ``iid(data, bits=None, seed=0, permutations=10000, all_statistics=False)``: the IID track;
- ``restart(matrix, bits, h_initial, ...)``: the restart tests of a 1000 x 1000 matrix;
- ``health(data, h, alpha=2**-20)``: the health-test cutoffs and where they fire;
- ``extract(durations, "lsb:4")``: durations (ns) to symbols;
- ``read_trace(path)``: a trace's records as numpy arrays, and its metadata;
- ``load_result(path)``: a result document written by ``kqent analyze --json`` or a sweep;
- ``summarize(path, alpha=0.05, margin=0.05)``: a sweep's statistics, comparisons and answer,
  as ``kqent report`` writes them to ``summary.json``.
"""

from ._kqent import (
    __version__,
    assess,
    extract,
    health,
    iid,
    load_result,
    read_trace,
    restart,
    summarize,
)

__all__ = [
    "__version__",
    "assess",
    "extract",
    "health",
    "iid",
    "load_result",
    "read_trace",
    "restart",
    "summarize",
]
