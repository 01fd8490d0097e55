#!/usr/bin/env bash
# Site build benchmark: cold full build, warm no-op build, one-page incremental rebuild of the
# real content, and a rebuild of a page holding 50 directives with a warm cache; and, in the same
# run, Hugo and pandoc over the same Markdown (directives left as code blocks, math untypeset)
# for ratios. Prints medians (and min/max) from hyperfine.
#
#   bash Benchmarks/site/run-site-bench.sh            # needs: hyperfine; optional: hugo, pandoc
#   (apt-get install hyperfine hugo pandoc)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
runs=${RUNS:-15}
command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install hyperfine)" >&2; exit 2; }

swift build -c release --product litmath >/dev/null
bin="$(swift build -c release --show-bin-path)/litmath"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The real content, and the same plus a 50-directive page.
cp -r content "$work/content"
cp -r content "$work/bench-content"
python3 Benchmarks/site/make-bench-page.py 50 > "$work/bench-content/bench.md"
page="$work/content/ddpm.md"
cp "$page" "$work/ddpm.orig"
bench="$work/bench-content/bench.md"
cp "$bench" "$work/bench.orig"

"$bin" build --content "$work/content" --output "$work/site" --cache "$work/cache" >/dev/null 2>&1
"$bin" build --content "$work/bench-content" --output "$work/bench-site" --cache "$work/bench-cache" >/dev/null 2>&1

# Plain Markdown for the other tools: one folder for Hugo, the same files for pandoc.
mkdir -p "$work/hugo/content" "$work/pandoc-out"
printf 'baseURL = "http://localhost/"\ntitle = "bench"\ndisableKinds = ["taxonomy", "term", "RSS", "sitemap"]\n' > "$work/hugo/hugo.toml"
cp "$work"/content/*.md "$work/hugo/content/"

# name | prepare (run before each timing, not timed) | command
cases=(
  "litmath cold full build|rm -rf '$work/cache'|$bin build --content '$work/content' --output '$work/site' --cache '$work/cache' --clean"
  "litmath warm no-op build|true|$bin build --content '$work/content' --output '$work/site' --cache '$work/cache'"
  "litmath one-page rebuild|cp '$work/ddpm.orig' '$page' && echo \"Edited \$RANDOM.\" >> '$page'|$bin build --content '$work/content' --output '$work/site' --cache '$work/cache'"
  "litmath 50-directive page, warm|cp '$work/bench.orig' '$bench' && echo \"Edited \$RANDOM.\" >> '$bench'|$bin build --content '$work/bench-content' --output '$work/bench-site' --cache '$work/bench-cache'"
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
PY
