"""Tests of the Python package against the CLI it shares its code with.

The CLI is $KQENT_BIN (scripts/python.sh points it at target/release/kqent, built by
`cargo test --release`). Every comparison is between two documents computed here, so a
difference in any digit fails.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import kqent
from kqent import _kqent

ROOT = Path(__file__).resolve().parents[2]
CONFORMANCE = ROOT / "crates" / "analysis" / "tests" / "data" / "conformance"
FILES = sorted(CONFORMANCE.glob("*.bin"))
# Fewer permutations than SP 800-90B's 10,000 keep the suite short; the CLI gets the same
# number, so the comparison is as strict.
PERMUTATIONS = 100


def cli(*args, check=True):
    exe = os.environ.get("KQENT_BIN", str(ROOT / "target" / "release" / "kqent"))
    if not Path(exe).exists():
        pytest.fail(f"{exe} not found: run `cargo build --release` or scripts/test.sh")
    out = subprocess.run([exe, *map(str, args)], capture_output=True, text=True)
    if check and out.returncode != 0:
        pytest.fail(f"kqent {' '.join(map(str, args))} failed:\n{out.stderr}")
    return out


def without(doc, *keys):
    return {k: v for k, v in doc.items() if k not in keys}


def test_conformance_files_are_there():
    assert len(FILES) >= 6, FILES


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_assess_and_iid_give_the_cli_numbers(path, tmp_path):
    """Each conformance file through kqent.assess and kqent.iid equals `kqent analyze`."""
    out = tmp_path / "r.json"
    cli("analyze", path, "--track", "iid", "--permutations", PERMUTATIONS, "--json", out)
    expected = json.loads(out.read_text())
    data = np.fromfile(path, dtype=np.uint8)

    got = kqent.assess(data, name=path.stem)
    # The CLI's document names its input file and carries the IID track it ran.
    assert got["input"]["file"] is None
    got["input"]["file"] = expected["input"]["file"]
    assert without(got, "provenance", "iid") == without(expected, "provenance", "iid")
    assert got["iid"] is None
    assert got["assessment"]["h_assessed"] == expected["assessment"]["h_assessed"]
    assert set(got["provenance"]) == set(expected["provenance"])

    detail = kqent.iid(data, permutations=PERMUTATIONS)
    assert detail == expected["iid"]["detail"]


def test_every_buffer_kind_gives_the_same_result():
    rng = np.random.default_rng(5)
    arr = rng.integers(0, 16, 20_000, dtype=np.uint8)
    ref = without(kqent.assess(arr), "provenance")
    for data in (arr.tobytes(), bytearray(arr.tobytes()), memoryview(arr.tobytes())):
        assert without(kqent.assess(data), "provenance") == ref
    # Two-dimensional and non-contiguous arrays are read as their samples in order.
    assert without(kqent.assess(arr.reshape(100, 200)), "provenance") == ref
    strided = np.repeat(arr, 2)[::2]
    assert not strided.flags["C_CONTIGUOUS"]
    assert without(kqent.assess(strided), "provenance") == ref


def test_contiguous_uint8_array_is_read_in_place():
    arr = np.arange(100_000, dtype=np.uint64).astype(np.uint8) & 7
    address, copied = _kqent._input_address(arr)
    assert not copied
    assert address == arr.ctypes.data
    # A read-only view of someone else's memory too.
    view = np.frombuffer(arr.tobytes(), dtype=np.uint8)
    assert _kqent._input_address(view) == (view.ctypes.data, False)
    # A strided view cannot be read in place: it is copied, once.
    address, copied = _kqent._input_address(arr[::3])
    assert copied and address != arr.ctypes.data


@pytest.mark.parametrize(
    "data, dtype",
    [
        (np.zeros(1000, dtype=np.uint16), "uint16"),
        (np.zeros(1000, dtype=np.int8), "int8"),
        (np.zeros(1000, dtype=np.float64), "float64"),
    ],
)
def test_wrong_dtype_is_a_value_error(data, dtype):
    for f in (kqent.assess, kqent.iid, lambda d: kqent.health(d, 1.0)):
        with pytest.raises(ValueError) as e:
            f(data)
        message = str(e.value)
        assert "one unsigned byte per sample" in message and dtype in message, message


def test_non_buffer_is_a_type_error():
    with pytest.raises(TypeError, match="buffer protocol.*got list"):
        kqent.assess([1, 2, 3])


def test_constant_data_gives_the_cli_zero(tmp_path):
    """Constant symbols are assessed, not refused: 0 bits with the reason, as the CLI."""
    data = np.full(5_000, 3, dtype=np.uint8)
    path = tmp_path / "const.bin"
    data.tofile(path)
    out = tmp_path / "c.json"
    cli("analyze", path, "--json", out)
    expected = json.loads(out.read_text())
    got = kqent.assess(data, name="const")
    got["input"]["file"] = expected["input"]["file"]
    assert without(got, "provenance") == without(expected, "provenance")
    assert got["assessment"]["h_assessed"] == 0.0
    detail = kqent.iid(data, permutations=PERMUTATIONS)
    assert detail["iid"] is False and detail["not_applicable"]


def test_wrong_width_is_a_value_error_with_the_cli_message(tmp_path):
    data = bytes([0, 1, 9, 2] * 500)
    with pytest.raises(ValueError) as e:
        kqent.assess(data, bits=2)
    assert str(e.value) == "sample 2 has value 9, which does not fit in 2 bit(s)"
    path = tmp_path / "wide.bin"
    path.write_bytes(data)
    out = cli("analyze", path, "--bits", "2", check=False)
    assert out.returncode == 2
    assert str(e.value) in out.stderr
    for bits in (0, 9, 300, -1):
        with pytest.raises(ValueError, match="outside 1..=8 bits"):
            kqent.assess(data, bits=bits)
    with pytest.raises(ValueError, match="holds no samples"):
        kqent.iid(b"")


def test_health_equals_the_cli_document(tmp_path):
    path = CONFORMANCE / "v3_gauss4.bin"
    out = tmp_path / "h.json"
    cli("health", path, "--h", "2.5", "--alpha", "2^-30", "--json", out)
    expected = json.loads(out.read_text())
    got = kqent.health(np.fromfile(path, dtype=np.uint8), 2.5, alpha=2**-30)
    assert got["input"] is None
    assert without(got, "input") == without(expected, "input")
    # Its error is the CLI's.
    with pytest.raises(ValueError) as e:
        kqent.health(np.fromfile(path, dtype=np.uint8), 5.0)
    bad = cli("health", path, "--h", "5", check=False)
    assert bad.returncode == 2 and str(e.value) in bad.stderr


def test_restart_equals_the_cli_document(tmp_path):
    rng = np.random.default_rng(3)
    matrix = rng.integers(0, 16, (1000, 1000), dtype=np.uint8)
    path = tmp_path / "m.bin"
    matrix.tofile(path)
    out = tmp_path / "r.json"
    args = ["--bits", "4", "--h-initial", "3.5", "--iid", "--simulation-rounds", "100000"]
    cli("restart", path, *args, "--json", out)
    expected = json.loads(out.read_text())
    got = kqent.restart(matrix, 4, 3.5, iid=True, simulation_rounds=100_000)
    assert got["path"] is None
    assert without(got, "path") == without(expected, "path")
    with pytest.raises(ValueError, match="1000 restarts x 1000 samples"):
        kqent.restart(matrix[:10], 4, 3.5)


def test_trace_records_and_extraction_equal_the_cli(tmp_path):
    trace = tmp_path / "t.kqt"
    cli("collect", "--backend", "mock", "--samples", "3000", "--seed", "4", "--out", trace)
    records, meta = kqent.read_trace(trace)
    assert meta["samples"] == 3000 and meta["backend"] == "mock"
    assert set(records) == {"start_ns", "duration_ns", "events", "kinds", "segment"}
    assert records["duration_ns"].dtype == np.uint64 and len(records["duration_ns"]) == 3000
    assert records["kinds"].dtype == np.uint32
    csv = tmp_path / "t.csv"
    cli("export", trace, "--csv", "--out", csv)
    lines = csv.read_text().splitlines()
    header = lines[0].split(",")
    column = [int(line.split(",")[header.index("duration_ns")]) for line in lines[1:]]
    assert records["duration_ns"].tolist() == column
    for method in ("lsb:4", "delta-lsb:3", "xorfold"):
        sym = tmp_path / f"{method.replace(':', '')}.bin"
        cli("export", trace, "--extract", method, "--out", sym)
        got = kqent.extract(records["duration_ns"], method)
        assert got.dtype == np.uint8
        assert got.tobytes() == sym.read_bytes()
        assert kqent.extract(records["duration_ns"].tolist(), method).tobytes() == got.tobytes()
    with pytest.raises(ValueError, match="invalid extraction method"):
        kqent.extract(records["duration_ns"], "lsb:9")
    with pytest.raises(ValueError, match="durations must be"):
        kqent.extract(np.zeros(4, dtype=np.float32), "lsb:1")
    with pytest.raises(FileNotFoundError, match="cannot read trace"):
        kqent.read_trace(tmp_path / "missing.kqt")
    with pytest.raises(ValueError, match="cannot read trace"):
        kqent.read_trace(CONFORMANCE / "v2_biased1.bin")


def test_load_result_reads_what_assess_returns(tmp_path):
    path = tmp_path / "x.json"
    sample = CONFORMANCE / "v5_narrow8_small.bin"
    cli("analyze", sample, "--json", path)
    doc = kqent.load_result(path)
    assert doc == json.loads(path.read_text())
    assert set(doc) == set(kqent.assess(np.fromfile(sample, dtype=np.uint8)))
    newer = dict(doc, schema_version=doc["schema_version"] + 1)
    (tmp_path / "newer.json").write_text(json.dumps(newer))
    with pytest.raises(ValueError, match="schema"):
        kqent.load_result(tmp_path / "newer.json")
    with pytest.raises(FileNotFoundError):
        kqent.load_result(tmp_path / "none.json")


def test_summarize_equals_the_report_summary(tmp_path):
    sweep = tmp_path / "s"
    cli("sweep", "--backend", "mock", "--timers", "0,2", "--sockets", "0", "--watchers", "0",
        "--samples", "3000", "--repeat", "3", "--out", sweep)
    cli("report", sweep, "-q", "--margin", "0.2", "--alpha", "0.01")
    written = json.loads((sweep / "summary.json").read_text())
    summary = kqent.summarize(sweep, alpha=0.01, margin=0.2)
    assert summary == written
    assert summary["options"]["margin"] == 0.2
    assert [c["kind"] for c in summary["comparisons"]] == ["kind_vs_empty"]
    # Other rules give other options, from the same results.
    assert kqent.summarize(sweep)["options"]["alpha"] == 0.05
    with pytest.raises(ValueError, match="margin"):
        kqent.summarize(sweep, margin=0)
    with pytest.raises(ValueError, match="alpha"):
        kqent.summarize(sweep, alpha=1.0)
    with pytest.raises(FileNotFoundError):
        kqent.summarize(tmp_path / "none")
    with pytest.raises(ValueError, match="no results"):
        kqent.summarize(tmp_path)


def test_the_gil_is_released_during_an_assessment():
    data = np.random.default_rng(9).integers(0, 256, 200_000, dtype=np.uint8)
    ticks = 0
    stop = threading.Event()

    def tick():
        nonlocal ticks
        while not stop.is_set():
            time.sleep(0.001)  # releases the GIL; the increment needs it back
            ticks += 1

    old = sys.getswitchinterval()
    # A thread holding the GIL keeps it for 10 s unless it releases it itself, so the
    # ticker can only count while kqent has let the GIL go.
    sys.setswitchinterval(10.0)
    t = threading.Thread(target=tick)
    try:
        t.start()
        time.sleep(0.05)  # let the ticker start; it only has to be running
        before = ticks
        result = kqent.iid(data, permutations=300)
        during = ticks - before
    finally:
        stop.set()
        sys.setswitchinterval(old)
        t.join()
    assert result["samples"] == 200_000
    assert during >= 5, f"the other thread advanced {during} times during the call"


def test_ctrl_c_interrupts_a_long_iid_run():
    if not Path("/proc/self/task").is_dir():
        pytest.skip("needs /proc to see when the computation has started")
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, numpy as np, kqent\n"
            "data = np.random.default_rng(1).integers(0, 256, 1_000_000, dtype=np.uint8)\n"
            "try:\n"
            "    kqent.iid(data, permutations=1_000_000)\n"
            "except KeyboardInterrupt:\n"
            "    print('KeyboardInterrupt', flush=True)\n"
            "    sys.exit(0)\n"
            "print('finished', flush=True)\n"
            "sys.exit(3)\n",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Ready when the worker thread exists: the call is under way, the GIL released.
        deadline = time.monotonic() + 120
        tasks = Path(f"/proc/{child.pid}/task")
        while "kqent-worker" not in _thread_names(tasks):
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the IID run never started"
            time.sleep(0.01)
        child.send_signal(signal.SIGINT)
        stdout, stderr = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 0, (stdout, stderr)
    assert stdout.strip() == "KeyboardInterrupt"


def _thread_names(tasks):
    names = set()
    try:
        for t in tasks.iterdir():
            try:
                names.add((t / "comm").read_text().strip())
            except OSError:
                pass  # the thread ended meanwhile
    except OSError:
        pass
    return names


def test_the_example_script_runs(tmp_path):
    example = ROOT / "examples" / "python" / "assess.py"
    sample = tmp_path / "s.bin"
    np.random.default_rng(2).integers(0, 4, 20_000, dtype=np.uint8).tofile(sample)
    out = subprocess.run([sys.executable, example, sample], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    h = kqent.assess(np.fromfile(sample, dtype=np.uint8))["assessment"]["h_assessed"]
    assert f"H_assessed = {h:.6f} bits per sample" in out.stdout
    assert "IID tests: passed" in out.stdout
    trace = tmp_path / "t.kqt"
    cli("collect", "--backend", "mock", "--samples", "2000", "--out", trace)
    out = subprocess.run(
        [sys.executable, example, trace, "lsb:2"], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert "2000 wait calls from the mock backend" in out.stdout
