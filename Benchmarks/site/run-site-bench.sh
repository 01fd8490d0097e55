#!/usr/bin/env bash
# Site build benchmark: cold full build (with the cache emptied, and with --no-cache, with its
# CPU use: user+sys over wall), warm no-op build and one-page incremental rebuild of the real
# content; rebuilds, on a warm cache, of a page holding 50 directives of the first kinds and of one
# holding 50 of the newer kinds (plots against sigma, per-series quantities, t ranges, densities,
# sampler trajectories, pins with arithmetic); the per-directive cost of both pages without a
# cache, for this checkout's binary and the base commit's side by side; and Hugo and pandoc over
# the same Markdown (directives left as code blocks, math untypeset) for ratios. Prints medians
# (and min/max) from hyperfine.
#
#   bash Benchmarks/site/run-site-bench.sh            # needs: hyperfine; optional: hugo, pandoc
#   BASE=<commit> bash Benchmarks/site/run-site-bench.sh   # compare with that commit (default HEAD^1,
#                                                     # the commit before a merge); BASE= skips it
#   (apt-get install hyperfine hugo pandoc)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
runs=${RUNS:-15}
command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install hyperfine)" >&2; exit 2; }

swift build -c release --product litmath >/dev/null
bin="$(swift build -c release --show-bin-path)/litmath"
work=$(mktemp -d)
trap 'rm -rf "$work"; git worktree remove --force "$work/base-src" 2>/dev/null || true' EXIT

# The base commit's binary, built once per commit and kept under .build/bench-base/.
base=${BASE-HEAD^1}
base_bin=""
if [ -n "$base" ] && base_sha=$(git rev-parse --verify -q "$base^{commit}"); then
  base_bin="$root/.build/bench-base/$base_sha/litmath"
  if [ ! -x "$base_bin" ]; then
    echo "building the base commit ${base_sha:0:10} (once)…" >&2
    git worktree add --detach -q "$work/base-src" "$base_sha"
    (cd "$work/base-src" && swift build -c release --product litmath --scratch-path "$root/.build/bench-base/scratch" >/dev/null)
    mkdir -p "$(dirname "$base_bin")"
    cp "$root/.build/bench-base/scratch/release/litmath" "$base_bin"
    git worktree remove --force "$work/base-src"
  fi
fi

# The real content, and the same plus a 50-directive page.
cp -r content "$work/content"
cp -r content "$work/bench-content"
python3 Benchmarks/site/make-bench-page.py 50 > "$work/bench-content/bench.md"
page="$work/content/ddpm.md"
cp "$page" "$work/ddpm.orig"
bench="$work/bench-content/bench.md"
cp "$bench" "$work/bench.orig"
cp -r content "$work/new-content"
python3 Benchmarks/site/make-bench-page.py 50 new > "$work/new-content/bench.md"
newbench="$work/new-content/bench.md"
cp "$newbench" "$work/newbench.orig"
# Each 50-directive page alone, for the per-directive cost (no cache: every directive runs), and
# a page without directives, whose time (start-up, KaTeX, writing) is subtracted.
for kind in classic new; do
  mkdir -p "$work/only-$kind"
  python3 Benchmarks/site/make-bench-page.py 50 "$kind" > "$work/only-$kind/index.md"
done
mkdir -p "$work/only-none" "$work/only-new-warm"
python3 Benchmarks/site/make-bench-page.py 0 > "$work/only-none/index.md"
cp "$work/newbench.orig" "$work/only-new-warm/index.md"

"$bin" build --content "$work/content" --output "$work/site" --cache "$work/cache" >/dev/null 2>&1
"$bin" build --content "$work/bench-content" --output "$work/bench-site" --cache "$work/bench-cache" >/dev/null 2>&1
"$bin" build --content "$work/new-content" --output "$work/new-site" --cache "$work/new-cache" >/dev/null 2>&1
"$bin" build --content "$work/only-new-warm" --output "$work/only-new-warm-site" --cache "$work/only-new-warm-cache" >/dev/null 2>&1

# Plain Markdown for the other tools: one folder for Hugo, the same files for pandoc.
mkdir -p "$work/hugo/content" "$work/pandoc-out"
printf 'baseURL = "http://localhost/"\ntitle = "bench"\ndisableKinds = ["taxonomy", "term", "RSS", "sitemap"]\n' > "$work/hugo/hugo.toml"
cp "$work"/content/*.md "$work/hugo/content/"

# name | prepare (run before each timing, not timed) | command
cases=(
  "litmath cold full build|rm -rf '$work/cache'|$bin build --content '$work/content' --output '$work/site' --cache '$work/cache' --clean"
  "litmath warm no-op build|true|$bin build --content '$work/content' --output '$work/site' --cache '$work/cache'"
  "litmath one-page rebuild|cp '$work/ddpm.orig' '$page' && echo \"Edited \$RANDOM.\" >> '$page'|$bin build --content '$work/content' --output '$work/site' --cache '$work/cache'"
  "litmath cold full build, --no-cache|true|$bin build --content '$work/content' --output '$work/site-nc' --no-cache"
  "litmath 50-directive page, warm|cp '$work/bench.orig' '$bench' && echo \"Edited \$RANDOM.\" >> '$bench'|$bin build --content '$work/bench-content' --output '$work/bench-site' --cache '$work/bench-cache'"
  "litmath 50 new-kind directives page, warm|cp '$work/newbench.orig' '$newbench' && echo \"Edited \$RANDOM.\" >> '$newbench'|$bin build --content '$work/new-content' --output '$work/new-site' --cache '$work/new-cache'"
  "litmath 50 new-kind directives page alone, warm|cp '$work/newbench.orig' '$work/only-new-warm/index.md' && echo \"Edited \$RANDOM.\" >> '$work/only-new-warm/index.md'|$bin build --content '$work/only-new-warm' --output '$work/only-new-warm-site' --cache '$work/only-new-warm-cache'"
)
if command -v hugo >/dev/null; then
  cases+=("hugo, same Markdown (no math typesetting)|true|hugo --quiet -s '$work/hugo' -d '$work/hugo-out'")
fi
if command -v pandoc >/dev/null; then
  cases+=("pandoc, same Markdown (per file, KaTeX link only)|true|for f in '$work'/content/*.md; do pandoc --katex -s \"\$f\" -o '$work/pandoc-out/'\$(basename \"\$f\" .md).html; done")
fi
args=(--runs "$runs" --warmup 2 --style basic --export-json "$work/results.json")
for entry in "${cases[@]}"; do
  IFS='|' read -r name prepare command <<<"$entry"
  args+=(--command-name "$name" --prepare "$prepare" "$command")
done
hyperfine "${args[@]}"
echo
# Medians (the machine is shared and noisy: quote medians and ratios, not means).
python3 - "$work/results.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
hugo = next((r["median"] for r in results if r["command"].startswith("hugo")), None)
print(f"| {'case':<52} | {'median ms':>9} | {'min ms':>7} | {'max ms':>7} | {'÷ hugo':>6} |")
print(f"|{'-' * 54}|{'-' * 11}|{'-' * 9}|{'-' * 9}|{'-' * 8}|")
for r in results:
    ratio = f"{r['median'] / hugo:6.2f}" if hugo else "     -"
    print(f"| {r['command']:<52} | {r['median'] * 1000:9.1f} | {r['min'] * 1000:7.1f} | {r['max'] * 1000:7.1f} | {ratio} |")
by = {r["command"]: r for r in results}
print()
PY

# This binary against the base commit's, interleaved (new, base, base, new, …) so that the load
# of a shared machine falls on both alike; wall time, and user + sys of the child from wait4.
python3 - "$bin" "${base_bin:-}" "$work" "$runs" <<'PY'
import os, statistics, subprocess, sys, time
new, base, work, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
binaries = [("this", new)] + ([("base", base)] if base else [])
cases = [
    ("page without directives", "only-none"),
    ("50 first kinds", "only-classic"),
    ("50 new kinds", "only-new"),
    ("whole site (content/)", "content"),
]
def run(binary, folder, out):
    start = time.perf_counter()
    p = subprocess.Popen([binary, "build", "--content", f"{work}/{folder}", "--output", out, "--no-cache"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    if status != 0: sys.exit(f"{binary} failed on {folder}")
    return wall, usage.ru_utime + usage.ru_stime
times = {(b, c): [] for b, _ in binaries for c, _ in cases}
cpu = {(b, c): [] for b, _ in binaries for c, _ in cases}
for r in range(runs):
    order = binaries if r % 2 == 0 else binaries[::-1]
    for case, folder in cases:
        for name, binary in order:
            wall, used = run(binary, folder, f"{work}/interleaved-{name}-{folder}")
            times[(name, case)].append(wall)
            cpu[(name, case)].append(used)
med = lambda xs: statistics.median(xs) * 1000
print(f"\nCold builds without cache, {runs} interleaved runs each (medians, ms):")
print(f"| {'case':<26} | {'this':>8} | {'base':>8} | {'this ÷ base':>11} | {'this CPU/wall':>13} | {'base CPU/wall':>13} |")
print(f"|{'-' * 28}|{'-' * 10}|{'-' * 10}|{'-' * 13}|{'-' * 15}|{'-' * 15}|")
for case, _ in cases:
    t = med(times[("this", case)])
    b = med(times[("base", case)]) if base else None
    u = statistics.median(c / w for c, w in zip(cpu[("this", case)], times[("this", case)]))
    v = statistics.median(c / w for c, w in zip(cpu[("base", case)], times[("base", case)])) if base else None
    print(f"| {case:<26} | {t:8.1f} | {'-' if b is None else f'{b:8.1f}'} | {'-' if b is None else f'{t / b:11.2f}'} | {u:13.2f} | {'-' if v is None else f'{v:13.2f}'} |")
none = {n: med(times[(n, "page without directives")]) for n, _ in binaries}
print("\nPer directive (page of 50 minus the page without directives, ÷ 50; medians, ms):")
for case in ("50 first kinds", "50 new kinds"):
    per = {n: (med(times[(n, case)]) - none[n]) / 50 for n, _ in binaries}
    ratio = f", this ÷ base {per['this'] / per['base']:.2f}" if base else ""
    print(f"  {case}: this {per['this']:.2f}" + (f", base {per['base']:.2f}" if base else "") + ratio)
PY
