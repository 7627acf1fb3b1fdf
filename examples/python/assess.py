"""Assess a NIST-format symbol file (or a kqent trace) from Python, as `kqent analyze` would.

    pip install ./python
    python examples/python/assess.py crates/analysis/tests/data/conformance/v3_gauss4.bin
    python examples/python/assess.py trace.kqt lsb:4

Prints H_assessed, the estimators that set it, the IID verdict (on 1,000 permutations, a
quick look; SP 800-90B asks for 10,000) and the health-test cutoffs at that entropy.
Ctrl-C stops it.
"""

import sys

import numpy as np

import kqent


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    path = argv[1]
    with open(path, "rb") as f:
        is_trace = f.read(8) == b"KQENTTRC"
    if is_trace:
        if len(argv) != 3:
            print(f"{path} is a trace: give an extraction method, e.g. lsb:4", file=sys.stderr)
            return 2
        records, meta = kqent.read_trace(path)
        print(f"{meta['samples']} wait calls from the {meta['backend']} backend")
        data = kqent.extract(records["duration_ns"], argv[2])
    else:
        data = np.fromfile(path, dtype=np.uint8)

    try:
        doc = kqent.assess(data)
    except ValueError as e:
        print(f"kqent: {e}", file=sys.stderr)
        return 2
    a = doc["assessment"]
    print(f"{a['samples']} samples of {a['bits']} bit(s)")
    print(f"H_assessed = {a['h_assessed']:.6f} bits per sample")
    lowest = sorted(
        (r["outcome"]["h"], r["estimator"], "bitstring" if part == "bitstring" else "symbols")
        for part in ("original", "bitstring")
        for r in a[part]
        if r["outcome"]["status"] == "estimate"
    )[:3]
    for h, name, on in lowest:
        print(f"  {name:<12} on the {on}: {h:.6f}")

    verdict = kqent.iid(data, permutations=1000)
    print("IID tests:", "passed" if verdict["iid"] else "failed")

    h = max(a["h_assessed"], 1e-3)
    health = kqent.health(data, h, bits=a["bits"])
    c = health["cutoffs"]
    print(
        f"health tests at H = {h:.3f}: RCT cutoff {c['rct_cutoff']}, "
        f"APT cutoff {c['apt_cutoff']}/{c['apt_window']}; "
        f"fired {health['counts']['rct_failures']} and {health['counts']['apt_failures']} times"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
