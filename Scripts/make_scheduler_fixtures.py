#!/usr/bin/env python3
"""Writes the DiffusionSchedulers parity fixtures from diffusers 0.42.1 + torch (CPU).

Run it with a virtual environment that lives OUTSIDE the repository:

    python3 -m venv /path/to/venv-diffusers
    /path/to/venv-diffusers/bin/pip install diffusers==0.42.1 torch numpy scipy
    /path/to/venv-diffusers/bin/python Scripts/make_scheduler_fixtures.py

It writes JSON into Tests/DiffusionSchedulersTests/Fixtures/, which is committed, so the Swift
tests and CI need no Python. Float32 values are stored as 8-digit hex bit patterns so the
bit-exact comparisons lose nothing; large tensors are stored as float64 sums, an FNV-1a hash
of their bytes and a few sampled elements instead of in full, to keep the fixtures small.
"""
import itertools
import json
import os
import platform
import sys

import numpy as np
import torch
import diffusers
from diffusers import DDIMScheduler, DDPMScheduler

assert diffusers.__version__ == "0.42.1", f"need diffusers 0.42.1, found {diffusers.__version__}"
torch.set_num_threads(1)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "DiffusionSchedulersTests", "Fixtures")
SAMPLE_INDICES = [0, 1, 7, 64, 100, 255, 256, 383, 500, 511, 640, 767]


def hexbits(t):
    a = np.ascontiguousarray(t.detach().cpu().numpy().astype(np.float32)).reshape(-1)
    return "".join(f"{v:08x}" for v in a.view(np.uint32))


def fnv1a64(t):
    data = np.ascontiguousarray(t.detach().cpu().numpy().astype(np.float32)).reshape(-1).tobytes()
    h = 0xCBF29CE484222325
    # Vectorising FNV is not possible; the tensors hashed here are at most 65536 floats.
    for byte in data:
        h ^= byte
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def summary(t):
    """Float64 sum and abs-sum, the hash of the bytes, and a few elements as bits."""
    flat = t.detach().reshape(-1)
    idx = [i for i in SAMPLE_INDICES if i < flat.numel()]
    return {
        "sum": flat.double().sum().item(),
        "abs_sum": flat.double().abs().sum().item(),
        "fnv1a": fnv1a64(flat),
        "indices": idx,
        "values": hexbits(flat[idx]),
    }


def dummy_sample_deter():
    # diffusers tests/schedulers/test_schedulers.py: [b, c, h, w] = (c*256 + h*32 + w*4 + b) / 768
    n = 4 * 3 * 8 * 8
    s = torch.arange(n).reshape(3, 8, 8, 4) / n
    return s.permute(3, 0, 1, 2).contiguous()


def dummy_model(sample, t, learned):
    """diffusers' test model `sample * t / (t + 1)`; learned variance types get a second half of
    channels: 0.01 * sample + 0.001 (positive, for `learned`) or 2 * sample - 1 (in [-1, 1], for `learned_range`)."""
    t = torch.tensor(t).reshape(-1, 1, 1, 1).to(dtype=sample.dtype)
    out = sample * t / (t + 1)
    if learned == "learned":
        out = torch.cat([out, sample * 0.01 + 0.001], dim=1)
    elif learned == "learned_range":
        out = torch.cat([out, sample * 2 - 1], dim=1)
    return out


SCHEDULES = {
    "linear": {},
    "scaled_linear_sd": {"beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear"},
    "squaredcos_cap_v2": {"beta_schedule": "squaredcos_cap_v2"},
    "sigmoid": {"beta_schedule": "sigmoid"},
    "laplace": {"beta_schedule": "laplace"},
    "linear_zero_snr": {"rescale_betas_zero_snr": True},
    "scaled_linear_zero_snr": {"beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
                               "rescale_betas_zero_snr": True},
    "squaredcos_zero_snr": {"beta_schedule": "squaredcos_cap_v2", "rescale_betas_zero_snr": True},
    "linear_T1100": {"num_train_timesteps": 1100},
    "linear_T500_wide": {"num_train_timesteps": 500, "beta_start": 0.001, "beta_end": 0.05},
    "scaled_linear_T2000": {"num_train_timesteps": 2000, "beta_start": 0.0001, "beta_end": 0.03,
                            "beta_schedule": "scaled_linear"},
    "squaredcos_T50": {"num_train_timesteps": 50, "beta_schedule": "squaredcos_cap_v2"},
    "sigmoid_T777": {"num_train_timesteps": 777, "beta_schedule": "sigmoid", "beta_start": 0.0002, "beta_end": 0.04},
    "laplace_T300": {"num_train_timesteps": 300, "beta_schedule": "laplace"},
    "trained_betas": {"num_train_timesteps": 10,
                      "trained_betas": [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5]},
}


def schedules():
    out = []
    for name, cfg in SCHEDULES.items():
        s = DDPMScheduler(**cfg)
        out.append({"name": name, "config": cfg, "betas": hexbits(s.betas), "alphas": hexbits(s.alphas),
                    "alphas_cumprod": hexbits(s.alphas_cumprod)})
    return out


def timesteps():
    out = []
    for cls in (DDPMScheduler, DDIMScheduler):
        for T in (1000, 1100, 50):
            for spacing in ("leading", "trailing", "linspace"):
                for offset in (0, 1, 3):
                    if spacing != "leading" and offset == 3:
                        continue
                    steps = [1, 2, 3, 6, 7, 10, 20, 25, 30, 50, 100, 250, 333, 999, 1000, 1100, 49, 50]
                    for n in sorted(set(x for x in steps if x <= T)):
                        s = cls(num_train_timesteps=T, timestep_spacing=spacing, steps_offset=offset)
                        s.set_timesteps(n)
                        ts = s.timesteps.tolist()
                        if max(ts) >= T:
                            continue  # diffusers would fail later indexing alphas_cumprod; Swift throws
                        out.append({"scheduler": cls.__name__, "num_train_timesteps": T, "timestep_spacing": spacing,
                                    "steps_offset": offset, "num_inference_steps": n, "timesteps": ts})
    return out


def step_cases():
    """The single-step grid: each case builds a scheduler from a diffusers config and steps the
    same dummy sample at a few timesteps (not chained), drawing noise from one seeded generator."""
    cases = []
    ddpm_schedules = ["linear", "scaled_linear_sd", "squaredcos_cap_v2", "sigmoid", "laplace", "linear_zero_snr"]
    clip_modes = {"clip": {"clip_sample": True}, "noclip": {"clip_sample": False},
                  "clip2": {"clip_sample": True, "clip_sample_range": 2.0},
                  "threshold": {"thresholding": True, "dynamic_thresholding_ratio": 0.9, "sample_max_value": 3.0}}
    variances = ["fixed_small", "fixed_small_log", "fixed_large", "learned", "learned_range"]
    for i, (sched, pred, var, clip) in enumerate(itertools.product(
            ddpm_schedules, ["epsilon", "sample", "v_prediction"], variances, clip_modes)):
        # Every combination of prediction x variance x clip on two schedules; a rotating subset elsewhere.
        if sched not in ("linear", "scaled_linear_sd") and i % 3 != 0:
            continue
        cfg = dict(SCHEDULES[sched], prediction_type=pred, variance_type=var, **clip_modes[clip])
        n = [None, 10, 50][i % 3]
        cases.append({"scheduler": "DDPMScheduler", "config": cfg, "num_inference_steps": n, "seed": i})
    ddim_schedules = ["linear", "scaled_linear_sd", "squaredcos_cap_v2", "linear_zero_snr"]
    spacings = ["leading", "trailing", "linspace"]
    for i, (sched, pred, clip, eta, one) in enumerate(itertools.product(
            ddim_schedules, ["epsilon", "sample", "v_prediction"], clip_modes, [0.0, 0.5, 1.0], [True, False])):
        if i % 2 == 1 and sched != "linear":
            continue
        spacing = spacings[i % 3]
        cfg = dict(SCHEDULES[sched], prediction_type=pred, set_alpha_to_one=one, timestep_spacing=spacing,
                   steps_offset=(1 if spacing == "leading" and i % 4 == 0 else 0), **clip_modes[clip])
        cases.append({"scheduler": "DDIMScheduler", "config": cfg, "num_inference_steps": [10, 50, 3][i % 3],
                      "eta": eta, "use_clipped_model_output": bool(i % 5 == 0), "seed": 1000 + i})
    return cases


def make(case):
    cls = DDPMScheduler if case["scheduler"] == "DDPMScheduler" else DDIMScheduler
    s = cls(**case["config"])
    if case["num_inference_steps"] is not None:
        s.set_timesteps(case["num_inference_steps"])
    return s


def run_steps(case):
    s = make(case)
    ts = s.timesteps.tolist()
    picks = sorted(set([ts[0], ts[len(ts) // 2], ts[-1]]), reverse=True)
    g = torch.manual_seed(case["seed"])
    sample = dummy_sample_deter()
    learned = case["config"].get("variance_type") if case["scheduler"] == "DDPMScheduler" else None
    steps = []
    for t in picks:
        m = dummy_model(sample, t, learned)
        if case["scheduler"] == "DDPMScheduler":
            out = s.step(m, t, sample, generator=g)
        else:
            out = s.step(m, t, sample, eta=case["eta"], use_clipped_model_output=case["use_clipped_model_output"],
                         generator=g)
        steps.append({"timestep": t, "prev_sample": summary(out.prev_sample),
                      "pred_original_sample": summary(out.pred_original_sample)})
    return dict(case, steps=steps)


def loops():
    """Chained sampling loops from diffusers' own scheduler tests, plus seeded stochastic ones."""
    specs = [
        {"name": "ddpm_1000_epsilon", "scheduler": "DDPMScheduler", "config": {}, "num_inference_steps": None, "seed": 0},
        {"name": "ddpm_1000_v", "scheduler": "DDPMScheduler", "config": {"prediction_type": "v_prediction"},
         "num_inference_steps": None, "seed": 0},
        {"name": "ddpm_50_sd_threshold", "scheduler": "DDPMScheduler",
         "config": dict(SCHEDULES["scaled_linear_sd"], thresholding=True, sample_max_value=2.0),
         "num_inference_steps": 50, "seed": 42},
        {"name": "ddpm_10_learned_range", "scheduler": "DDPMScheduler",
         "config": {"variance_type": "learned_range", "timestep_spacing": "trailing"},
         "num_inference_steps": 10, "seed": 1234},
        {"name": "ddim_10", "scheduler": "DDIMScheduler", "config": {}, "num_inference_steps": 10, "eta": 0.0, "seed": 0},
        {"name": "ddim_50_sd", "scheduler": "DDIMScheduler",
         "config": dict(SCHEDULES["scaled_linear_sd"], steps_offset=1, set_alpha_to_one=False, clip_sample=False),
         "num_inference_steps": 50, "eta": 0.0, "seed": 0},
        {"name": "ddim_1000_v_zero_snr", "scheduler": "DDIMScheduler",
         "config": {"prediction_type": "v_prediction", "rescale_betas_zero_snr": True, "timestep_spacing": "trailing"},
         "num_inference_steps": 1000, "eta": 0.0, "seed": 0},
        {"name": "ddim_50_eta1_seed42", "scheduler": "DDIMScheduler", "config": {"timestep_spacing": "trailing"},
         "num_inference_steps": 50, "eta": 1.0, "seed": 42},
        {"name": "ddim_10_eta05_seed1234", "scheduler": "DDIMScheduler",
         "config": dict(SCHEDULES["squaredcos_cap_v2"], thresholding=True),
         "num_inference_steps": 10, "eta": 0.5, "seed": 1234},
    ]
    out = []
    for spec in specs:
        s = make(spec)
        g = torch.manual_seed(spec["seed"])
        sample = dummy_sample_deter()
        learned = spec["config"].get("variance_type")
        for t in s.timesteps.tolist():
            m = dummy_model(sample, t, learned)
            if spec["scheduler"] == "DDPMScheduler":
                sample = s.step(m, t, sample, generator=g).prev_sample
            else:
                sample = s.step(m, t, sample, eta=spec["eta"], generator=g).prev_sample
        out.append(dict(spec, result=summary(sample)))
    return out


def randn():
    out = []
    sizes = [1, 2, 3, 7, 15, 16, 17, 20, 31, 32, 33, 100, 768, 1000, 4 * 64 * 64, 4 * 4 * 64 * 64]
    for seed in (0, 42, 1234):
        for n in sizes:
            torch.manual_seed(seed)
            x = torch.randn(n)
            entry = {"seed": seed, "calls": [n], "fnv1a": fnv1a64(x), "sum": x.double().sum().item()}
            if n <= 100:
                entry["bits"] = hexbits(x)
            else:
                entry["head"] = hexbits(x[:16])
                entry["tail"] = hexbits(x[-16:])
            out.append(entry)
        # Call sequences exercise the cached second normal and the tail redraw between calls.
        for calls in ([1, 1, 1], [3, 20, 1, 16, 5], [2, 17, 2], [768, 1, 768]):
            g = torch.Generator().manual_seed(seed)
            xs = torch.cat([torch.randn(c, generator=g) for c in calls])
            out.append({"seed": seed, "calls": calls, "fnv1a": fnv1a64(xs), "sum": xs.double().sum().item(),
                        "bits": hexbits(xs) if xs.numel() <= 100 else None})
    return out


def finite_json(value):
    """JSON has no NaN or infinity; zero-SNR schedules produce them legitimately, so they are spelled as strings."""
    if isinstance(value, float) and not np.isfinite(value):
        return "nan" if np.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite_json(v) for v in value]
    return value


def write(name, payload):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(finite_json(payload), f, separators=(",", ":"), sort_keys=True, allow_nan=False)
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def main():
    meta = {"diffusers": diffusers.__version__, "torch": torch.__version__, "numpy": np.__version__,
            "cpu_capability": torch.backends.cpu.get_cpu_capability(), "machine": platform.machine(),
            "python": sys.version.split()[0]}
    os.makedirs(OUT, exist_ok=True)
    write("meta.json", meta)
    write("schedules.json", schedules())
    write("timesteps.json", timesteps())
    cases = step_cases()
    write("steps.json", [run_steps(c) for c in cases])
    write("loops.json", loops())
    write("randn.json", randn())
    print(f"{len(cases)} step configurations")


if __name__ == "__main__":
    main()
