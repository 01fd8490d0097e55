#!/usr/bin/env python3
"""Writes a benchmark article with N scheduler directives.

    make-bench-page.py N          tables, plots and values in turn (the first directive kinds)
    make-bench-page.py N new      the newer kinds in turn: plots against sigma, plots with a
                                  quantity per series, tables over a t range, densities, sampler
                                  trajectories, and pins with arithmetic in the prose
"""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
mode = sys.argv[2] if len(sys.argv) > 2 else "classic"
schedules = [
    "beta_schedule: linear",
    "beta_schedule: scaled_linear, beta_start: 0.00085, beta_end: 0.012",
    "beta_schedule: squaredcos_cap_v2",
]
quantities = ["alpha_cumprod", "sigma", "log_snr", "snr", "beta", "lambda"]
out = ["---", "title: Benchmark page", f"description: {n} scheduler directives ({mode})", "order: 99", "---", "",
       "# Benchmark page", "", f"This page holds {n} directives and some math, $x_t = \\sqrt{{\\bar\\alpha_t}}x_0$.", ""]


def classic(i):
    q = quantities[i % len(quantities)]
    s = schedules[i % len(schedules)]
    kind = ["plot", "table", "value"][i % 3]
    lines = [f"Directive {i + 1}: ${q.replace('_', '')}_{{{i}}}$.", "", f"```scheduler {kind}"]
    if kind == "plot":
        lines += [f"title: {q} {i}", f"y: {q}", "series:", f"  - {{label: a, {s}}}", "  - {label: b, beta_schedule: linear}"]
    elif kind == "table":
        lines += ["t: [0, 100, 500, 900, 999]", "columns:", f"  - {{label: '{q}', quantity: {q}, {s}}}", f"  - {{label: 'beta', quantity: beta, {s}}}"]
    else:
        lines += [f"quantity: {q}", f"t: {i * 17 % 1000}", f"{s.replace(', ', chr(10))}"]
    return lines + ["```", ""]


def new(i):
    s = schedules[i % len(schedules)]
    kind = i % 6
    lines = [f"Directive {i + 1}.", ""]
    if kind == 0:
        lines += ["```scheduler plot", f"title: alpha_cumprod against sigma {i}", "x: sigma", "x_scale: log", "y: alpha_cumprod",
                  "series:", f"  - {{label: a, {s}}}", "  - {label: b, beta_schedule: linear}", "```"]
    elif kind == 1:
        lines += ["```scheduler plot", f"title: two quantities {i}", s.replace(", ", "\n"), "series:",
                  "  - {quantity: sqrt_alpha_cumprod}", "  - {quantity: sqrt_one_minus_alpha_cumprod}", "```"]
    elif kind == 2:
        lines += ["```scheduler table", f"t: {{from: 999, to: 0, every: {100 + i}}}", s.replace(", ", "\n"), "columns: [alpha_cumprod, sigma, log_snr]", "```"]
    elif kind == 3:
        lines += ["```scheduler density", "data: {means: [-1, 1], std: [0.2, 0.2]}", f"t: [0, {100 + i}, 500, 999]", "points: 201", "```"]
    elif kind == 4:
        lines += ["```scheduler trajectory", "data: {means: [-1, 1], std: [0.15, 0.15]}", "paths: 3", f"seed: {i}",
                  "samplers:", "  - {label: DDIM, scheduler: DDIM, num_inference_steps: 10}",
                  "  - {label: DDIM trailing, scheduler: DDIM, timestep_spacing: trailing, num_inference_steps: 10}", "```"]
    else:
        t = i * 17 % 1000
        lines += [f"Pins: {{value}}`1/DDPM.alpha_cumprod[{t}] = 1` and "
                  f"{{value}}`sqrt(DDPM(beta_schedule: squaredcos_cap_v2).alpha_cumprod[{t}]) * 2 - 1 = 0`."]
    return lines + [""]


for i in range(n):
    out += new(i) if mode == "new" else classic(i)
print("\n".join(out))
