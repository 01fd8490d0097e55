#!/usr/bin/env bash
# Times DiffusionSchedulers' step against the C memory-bound floor and, optionally, diffusers.
#
#   Benchmarks/run-scheduler-bench.sh                       # Swift + C floor
#   DIFFUSERS_VENV=/path/to/venv Benchmarks/run-scheduler-bench.sh   # + diffusers/torch
#   BENCH_CPU=haswell Benchmarks/run-scheduler-bench.sh     # both compiled for AVX2 (-target-cpu / -march)
#   BENCH_SAMPLES=400 ...                                   # more samples per median
#
# Everything runs on one thread. Prints a table of medians (microseconds) and the ratios
# Swift/C-floor and diffusers/Swift. The machine is shared: compare medians, rerun if noisy.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
samples="${BENCH_SAMPLES:-200}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cflags=(-O3)
swiftflags=()
scratch="$root/.build-sched-rel"
if [[ -n "${BENCH_CPU:-}" ]]; then
  cflags+=("-march=$BENCH_CPU")
  swiftflags+=(-Xswiftc -target-cpu -Xswiftc "$BENCH_CPU")
  scratch="$root/.build-sched-rel-$BENCH_CPU"
fi

echo "building C floor: gcc ${cflags[*]}" >&2
gcc "${cflags[@]}" "$here/c_floor.c" -o "$work/c_floor"
echo "building SchedulerBenchmark (release${BENCH_CPU:+, -target-cpu $BENCH_CPU})" >&2
(cd "$root" && swift build -c release --scratch-path "$scratch" --product SchedulerBenchmark ${swiftflags[@]+"${swiftflags[@]}"} >&2)

"$work/c_floor" "$samples" > "$work/c.tsv"
BENCH_SAMPLES="$samples" "$scratch/release/SchedulerBenchmark" > "$work/swift.tsv"
: > "$work/py.tsv"
if [[ -n "${DIFFUSERS_VENV:-}" ]]; then
  echo "timing diffusers with $DIFFUSERS_VENV/bin/python" >&2
  "$DIFFUSERS_VENV/bin/python" "$here/diffusers_bench.py" "$samples" > "$work/py.tsv"
  "$DIFFUSERS_VENV/bin/python" "$here/diffusers_solver_bench.py" "$samples" >> "$work/py.tsv"
fi

python3 - "$work/c.tsv" "$work/swift.tsv" "$work/py.tsv" <<'PY'
import sys
def load(path):
    rows = {}
    for line in open(path):
        name, shape, us, n = line.rstrip("\n").split("\t")
        rows[(name, shape)] = float(us)
    return rows
c, s, p = (load(x) for x in sys.argv[1:4])
shapes = sorted({k[1] for k in s}, key=lambda x: [int(v) for v in x.split("x")])
names = ["ddim_step_eta0", "ddim_step_eta0_alloc", "ddpm_step", "randn", "ddim_loop_50"]
# The solver cases (SolverBenchmarks.swift, diffusers_solver_bench.py): mean step over a 20-step schedule.
solver_names = ["dpmpp_2m_step", "euler_step", "unipc_step", "flow_euler_step"]
names += solver_names
print(f"{'benchmark':22} {'shape':14} {'swift us':>10} {'C floor us':>11} {'swift/C':>8} {'diffusers us':>13} {'diffusers/swift':>16}")
for shape in shapes:
    floor = c.get(("c_floor_axpby", shape))
    for name in names:
        if (name, shape) not in s:
            continue
        us = s[(name, shape)]
        ratio = f"{us / floor:8.2f}" if floor and (name.startswith("ddim_step") or name in solver_names) else f"{'':8}"
        py = p.get((name if name != "ddim_step_eta0_alloc" else "", shape))
        pys = f"{py:13.1f}" if py else f"{'-':>13}"
        speed = f"{py / us:15.1f}x" if py else f"{'-':>16}"
        print(f"{name:22} {shape:14} {us:10.2f} {floor:11.2f} {ratio} {pys} {speed}")
PY
