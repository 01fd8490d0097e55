#!/usr/bin/env bash
# Times DiffusionSchedulers' steps against the C memory-bound floor and, optionally, diffusers.
#
#   Benchmarks/run-scheduler-bench.sh                                # Swift + C floors
#   DIFFUSERS_VENV=/path/to/venv Benchmarks/run-scheduler-bench.sh   # + diffusers/torch
#   BENCH_SAMPLES=400 ...                                            # more samples per median
#   BENCH_SCRATCH=.build-x ...                                       # SwiftPM scratch path (default .build-sched-rel)
#   BENCH_CPU=haswell ...                                            # compile the Swift code for that CPU too
#
# The Swift library is built as a user gets it (release, baseline target). Its kernels pick the
# best instruction set at run time; the program runs with that choice, with
# DIFFUSION_SCHEDULERS_CPU=portable and, on AVX-512 machines, with avx2, side by side.
# The C floors (c_floor.c) are fused passes built with gcc -O3 and with -march=native: the generic
# out = a*x + b*y (2 loads, 1 store), and for each step a pass with that step's own memory traffic
# (the buffers diffusers' algorithm must read and write: e.g. 5 loads and 3 stores for a UniPC
# step with corrector), the column "own" and the ratio swift/own.
#
# Everything runs on one thread. Prints medians (microseconds) and the ratios Swift/C floor and
# diffusers/Swift. The machine may be shared: compare medians from one run, rerun if noisy.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
samples="${BENCH_SAMPLES:-200}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

swiftflags=()
scratch="${BENCH_SCRATCH:-$root/.build-sched-rel}"
if [[ -n "${BENCH_CPU:-}" ]]; then
  swiftflags+=(-Xswiftc -target-cpu -Xswiftc "$BENCH_CPU")
  scratch="$scratch-$BENCH_CPU"
fi

echo "building C floors: gcc -O3 and gcc -O3 -march=native" >&2
gcc -O3 "$here/c_floor.c" -o "$work/c_floor"
gcc -O3 -march=native "$here/c_floor.c" -o "$work/c_floor_native"
echo "building SchedulerBenchmark (release${BENCH_CPU:+, -target-cpu $BENCH_CPU})" >&2
(cd "$root" && swift build -c release --scratch-path "$scratch" --product SchedulerBenchmark ${swiftflags[@]+"${swiftflags[@]}"} >&2)

"$work/c_floor" "$samples" > "$work/c.tsv"
"$work/c_floor_native" "$samples" > "$work/cn.tsv"
BENCH_SAMPLES="$samples" "$scratch/release/SchedulerBenchmark" > "$work/swift.tsv"
BENCH_SAMPLES="$samples" DIFFUSION_SCHEDULERS_CPU=portable "$scratch/release/SchedulerBenchmark" > "$work/portable.tsv"
: > "$work/avx2.tsv"
if grep -q $'^# kernels\tavx512' "$work/swift.tsv"; then
  # Many CPUs have AVX2 but not AVX-512: show that level too.
  BENCH_SAMPLES="$samples" DIFFUSION_SCHEDULERS_CPU=avx2 "$scratch/release/SchedulerBenchmark" > "$work/avx2.tsv"
fi
: > "$work/py.tsv"
if [[ -n "${DIFFUSERS_VENV:-}" ]]; then
  echo "timing diffusers with $DIFFUSERS_VENV/bin/python" >&2
  "$DIFFUSERS_VENV/bin/python" "$here/diffusers_bench.py" "$samples" > "$work/py.tsv"
  "$DIFFUSERS_VENV/bin/python" "$here/diffusers_solver_bench.py" "$samples" >> "$work/py.tsv"
fi

python3 - "$work/c.tsv" "$work/cn.tsv" "$work/swift.tsv" "$work/avx2.tsv" "$work/portable.tsv" "$work/py.tsv" <<'PY'
import sys
def load(path):
    rows, notes = {}, {}
    for line in open(path):
        fields = line.rstrip("\n").split("\t")
        if fields[0].startswith("#"):
            notes[fields[0].lstrip("# ")] = fields[1]
            continue
        name, shape, us, n = fields
        rows[(name, shape)] = float(us)
    return rows, notes
(c, _), (cn, _), (s, notes), (avx2, _), (port, _), (p, _) = (load(x) for x in sys.argv[1:7])
level = notes.get("kernels", "?")
shapes = sorted({k[1] for k in s}, key=lambda x: [int(v) for v in x.split("x")])
names = ["ddim_step_eta0", "ddim_step_eta0_alloc", "ddim_step_eta0_inplace", "ddpm_step", "ddpm_step_alloc",
         "ddpm_step_inplace", "randn", "ddim_loop_50", "ddpm_loop_50"]
# The solver cases (SolverBenchmarks.swift, diffusers_solver_bench.py): mean step over a 20-step schedule.
solver_names = ["dpmpp_2m_step", "dpmpp_2m_step_inplace", "euler_step", "euler_step_inplace", "unipc_step",
                "unipc_step_inplace", "flow_euler_step", "flow_euler_step_inplace"]
names += solver_names
py_name_solvers = {"dpmpp_2m_step_inplace": "dpmpp_2m_step", "euler_step_inplace": "euler_step",
                   "unipc_step_inplace": "unipc_step", "flow_euler_step_inplace": "flow_euler_step"}
# diffusers has one form, which allocates; every Swift form compares with it.
py_name = {"ddim_step_eta0_alloc": "ddim_step_eta0", "ddim_step_eta0_inplace": "ddim_step_eta0",
           "ddpm_step_alloc": "ddpm_step", "ddpm_step_inplace": "ddpm_step", **py_name_solvers}
# Each step's own floor: the C pass with the same loads and stores (c_floor.c).
own_floor = {
    "ddim_step_eta0": "c_floor_2in2out", "ddim_step_eta0_alloc": "c_floor_2in2out",
    "ddim_step_eta0_inplace": "c_floor_axpy_inplace", "ddpm_step": "c_floor_2in2out",
    "ddpm_step_alloc": "c_floor_2in2out", "ddpm_step_inplace": "c_floor_axpy_inplace",
    "dpmpp_2m_step": "c_floor_3in2out", "dpmpp_2m_step_inplace": "c_floor_3in2out_inplace",
    "euler_step": "c_floor_2in2out", "euler_step_inplace": "c_floor_axpy_inplace",
    "unipc_step": "c_floor_5in3out", "unipc_step_inplace": "c_floor_5in3out_inplace",
    "flow_euler_step": "c_floor_axpby", "flow_euler_step_inplace": "c_floor_axpy_inplace",
}
swift_col = f"swift {level} us"
print("ratios: swift/C and swift/Cnat against the generic a*x+b*y floor (gcc -O3, -march=native);")
print("        swift/own against the step's own-traffic floor (-march=native, column 'own us')")
avx2_col = f" {'avx2 us':>9}" if avx2 else ""
print(f"{'benchmark':24} {'shape':13} {swift_col:>17}{avx2_col} {'portable us':>12} {'swift/C':>8} {'swift/Cnat':>10}"
      f" {'own us':>7} {'swift/own':>9} {'diffusers us':>13} {'diffusers/swift':>16}")
for shape in shapes:
    floor, native = c.get(("c_floor_axpby", shape)), cn.get(("c_floor_axpby", shape))
    pad = " " * len(avx2_col)
    for fname in sorted({v for v in own_floor.values()}, key=list(own_floor.values()).index):
        print(f"{fname:24} {shape:13} {'gcc -O3:':>17}{pad} {c.get((fname, shape), 0):12.2f}"
              f" {'-march=native:':>19} {cn.get((fname, shape), 0):8.2f}")
    for name in names:
        if (name, shape) not in s:
            continue
        us = s[(name, shape)]
        pus = port.get((name, shape))
        steps = name.startswith("ddim_step") or name.startswith("ddpm_step") or name in solver_names
        ratio = f"{us / floor:8.2f}" if floor and steps else f"{'':8}"
        ratio_n = f"{us / native:10.2f}" if native and steps else f"{'':10}"
        own = cn.get((own_floor.get(name, ""), shape))
        own_us = f"{own:7.2f}" if own and steps else f"{'':7}"
        ratio_own = f"{us / own:9.2f}" if own and steps else f"{'':9}"
        py = p.get((py_name.get(name, name), shape))
        pys = f"{py:13.1f}" if py else f"{'-':>13}"
        speed = f"{py / us:15.1f}x" if py else f"{'-':>16}"
        a2 = f" {avx2[(name, shape)]:9.2f}" if avx2 else ""
        print(f"{name:24} {shape:13} {us:17.2f}{a2} {pus:12.2f} {ratio} {ratio_n} {own_us} {ratio_own} {pys} {speed}")
PY
