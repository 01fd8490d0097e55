#!/usr/bin/env python3
"""Writes a benchmark article with N scheduler directives (tables, plots and values in turn)."""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
schedules = [
    "beta_schedule: linear",
    "beta_schedule: scaled_linear, beta_start: 0.00085, beta_end: 0.012",
    "beta_schedule: squaredcos_cap_v2",
]
quantities = ["alpha_cumprod", "sigma", "log_snr", "snr", "beta", "lambda"]
out = ["---", "title: Benchmark page", f"description: {n} scheduler directives", "order: 99", "---", "",
       "# Benchmark page", "", f"This page holds {n} directives and some math, $x_t = \\sqrt{{\\bar\\alpha_t}}x_0$.", ""]
for i in range(n):
    q = quantities[i % len(quantities)]
    s = schedules[i % len(schedules)]
    kind = ["plot", "table", "value"][i % 3]
    out.append(f"Directive {i + 1}: ${q.replace('_', '')}_{{{i}}}$.")
    out.append("")
    out.append(f"```scheduler {kind}")
    if kind == "plot":
        out += [f"title: {q} {i}", f"y: {q}", "series:", f"  - {{label: a, {s}}}", "  - {label: b, beta_schedule: linear}"]
    elif kind == "table":
        out += ["t: [0, 100, 500, 900, 999]", "columns:", f"  - {{label: '{q}', quantity: {q}, {s}}}", f"  - {{label: 'beta', quantity: beta, {s}}}"]
    else:
        out += [f"quantity: {q}", f"t: {i * 17 % 1000}", f"{s.replace(', ', chr(10))}"]
    out += ["```", ""]
print("\n".join(out))
