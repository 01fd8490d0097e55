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
# Each 50-directive page alone, for the per-directive cost (no cache: every directive runs).
for kind in classic new; do
  mkdir -p "$work/only-$kind"
  python3 Benchmarks/site/make-bench-page.py 50 "$kind" > "$work/only-$kind/index.md"
done

"$bin" build --content "$work/content" --output "$work/site" --cache "$work/cache" >/dev/null 2>&1
"$bin" build --content "$work/bench-content" --output "$work/bench-site" --cache "$work/bench-cache" >/dev/null 2>&1
"$bin" build --content "$work/new-content" --output "$work/new-site" --cache "$work/new-cache" >/dev/null 2>&1

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
  "per directive: 50 first kinds, no cache|true|$bin build --content '$work/only-classic' --output '$work/only-classic-site' --no-cache"
  "per directive: 50 new kinds, no cache|true|$bin build --content '$work/only-new' --output '$work/only-new-site' --no-cache"
)
if [ -n "$base_bin" ]; then
  cases+=(
    "base: per directive: 50 first kinds, no cache|true|$base_bin build --content '$work/only-classic' --output '$work/only-classic-base' --no-cache"
    "base: per directive: 50 new kinds, no cache|true|$base_bin build --content '$work/only-new' --output '$work/only-new-base' --no-cache"
    "base: litmath cold full build, --no-cache|true|$base_bin build --content '$work/content' --output '$work/site-nc-base' --no-cache"
  )
fi
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
# CPU use of the cold builds: above 1 means more than one core was busy.
for name in ("litmath cold full build, --no-cache", "base: litmath cold full build, --no-cache"):
    if name in by:
        r = by[name]
        print(f"{name}: (user + sys) / wall = ({r['user']:.2f} + {r['system']:.2f}) / {r['mean']:.2f} s = {(r['user'] + r['system']) / r['mean']:.2f}")
print()
print(f"| {'per directive (page of 50, no cache)':<38} | {'this ms':>8} | {'base ms':>8} | {'this ÷ base':>11} |")
print(f"|{'-' * 40}|{'-' * 10}|{'-' * 10}|{'-' * 13}|")
for kind in ("first kinds", "new kinds"):
    this = by.get(f"per directive: 50 {kind}, no cache")
    old = by.get(f"base: per directive: 50 {kind}, no cache")
    t = this["median"] * 1000 / 50
    o = old["median"] * 1000 / 50 if old else None
    print(f"| {kind:<38} | {t:8.2f} | {o if o is None else f'{o:8.2f}'} | {'-' if o is None else f'{t / o:11.2f}'} |")
PY
