#!/usr/bin/env python3
"""Writes the parity fixtures of the sigma-based schedulers (DPM-Solver multistep and singlestep,
Euler, Euler ancestral, Heun, UniPC, flow-matching Euler, LCM) from diffusers 0.42.1 + torch (CPU).

Run it with the same virtual environment as make_scheduler_fixtures.py (outside the repository):

    /path/to/venv-diffusers/bin/python Scripts/make_solver_fixtures.py

It writes JSON into Tests/DiffusionSchedulersTests/Fixtures/solvers/, which is committed. Every
case names a diffusers class and a config dictionary, so the Swift tests decode the same config
with the library's own decoder:

* schedules.json  `set_timesteps` results: timesteps (int64 as integers, float32 as hex bit
                  patterns), sigmas (float32 hex) and init_noise_sigma, or the error diffusers raised.
* loops.json      chained sampling loops with diffusers' dummy model: the sample after a few
                  steps and at the end, as float64 sums, an FNV-1a hash of the float32 bytes and
                  sampled elements (hex). Stochastic samplers draw from torch.manual_seed(seed).
* beta_ppf.json   scipy.stats.beta.ppf(q, 0.6, 0.6) on a grid, as float64 hex, for the inverse
                  incomplete beta function.
* flow_per_token.json  FlowMatchEulerDiscreteScheduler.step(..., per_token_timesteps=...): single steps
                  (inputs from torch.randn(seed), per-token timesteps and the whole result as float32
                  hex, or diffusers' error) and chained LTX-Video-style conditioning loops.
* euler_velocity.json  EulerDiscreteScheduler.get_velocity on dummy_sample_deter and randn noise: the
                  whole result as float32 hex, or diffusers' error.
"""
import json
import math
import os
import sys

import numpy as np
import scipy.stats
import torch
import diffusers
import diffusers.utils.logging
from diffusers import (
    DPMSolverMultistepScheduler,
    DPMSolverSinglestepScheduler,
    EulerAncestralDiscreteScheduler,
    EulerDiscreteScheduler,
    FlowMatchEulerDiscreteScheduler,
    HeunDiscreteScheduler,
    LCMScheduler,
    UniPCMultistepScheduler,
)

assert diffusers.__version__ == "0.42.1", f"need diffusers 0.42.1, found {diffusers.__version__}"
torch.set_num_threads(1)
diffusers.utils.logging.set_verbosity_error()  # the with-noise loops skip scale_model_input on purpose

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "DiffusionSchedulersTests", "Fixtures", "solvers")
SAMPLE_INDICES = [0, 1, 7, 64, 100, 255, 256, 383, 500, 511, 640, 767]
CLASSES = {c.__name__: c for c in (
    DPMSolverMultistepScheduler, DPMSolverSinglestepScheduler, EulerDiscreteScheduler,
    EulerAncestralDiscreteScheduler, HeunDiscreteScheduler, UniPCMultistepScheduler,
    FlowMatchEulerDiscreteScheduler, LCMScheduler)}


def hexbits(t):
    a = np.ascontiguousarray(np.asarray(t, dtype=np.float32)).reshape(-1)
    return "".join(f"{v:08x}" for v in a.view(np.uint32))


def hex64(values):
    a = np.ascontiguousarray(np.asarray(values, dtype=np.float64)).reshape(-1)
    return "".join(f"{v:016x}" for v in a.view(np.uint64))


def fnv1a64(t):
    data = np.ascontiguousarray(t.detach().cpu().numpy().astype(np.float32)).reshape(-1).tobytes()
    h = 0xCBF29CE484222325
    for byte in data:
        h ^= byte
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def summary(t):
    flat = t.detach().reshape(-1)
    idx = [i for i in SAMPLE_INDICES if i < flat.numel()]
    return {"sum": flat.double().sum().item(), "abs_sum": flat.double().abs().sum().item(),
            "fnv1a": fnv1a64(flat), "indices": idx, "values": hexbits(flat[idx].numpy())}


def dummy_sample_deter():
    # diffusers tests/schedulers/test_schedulers.py: [b, c, h, w] = (c*256 + h*32 + w*4 + b) / 768
    n = 4 * 3 * 8 * 8
    s = torch.arange(n).reshape(3, 8, 8, 4) / n
    return s.permute(3, 0, 1, 2).contiguous()


def dummy_noise_deter():
    n = 4 * 3 * 8 * 8
    s = torch.arange(n).flip(-1).reshape(3, 8, 8, 4) / n
    return s.permute(3, 0, 1, 2).contiguous()


def dummy_model(sample, t, learned=None):
    """diffusers' test model `sample * t / (t + 1)` (t as float32); `learned` appends variance channels."""
    t = torch.as_tensor(t).reshape(-1, 1, 1, 1).to(dtype=sample.dtype)
    out = sample * t / (t + 1)
    if learned:
        out = torch.cat([out, sample * 2 - 1], dim=1)
    return out


def timesteps_json(ts):
    if ts.dtype in (torch.int64, torch.int32):
        return {"int": [int(v) for v in ts.tolist()]}
    return {"float": hexbits(ts.numpy())}


def build(case):
    cls = CLASSES[case["scheduler"]]
    kwargs = dict(case["config"])
    if "solver_p" in case:  # UniPC's external predictor: {"scheduler": class name, "config": {...}}
        kwargs["solver_p"] = build(case["solver_p"])
    return cls(**kwargs)


def call_set_timesteps(s, call):
    kwargs = {k: v for k, v in call.items()
              if k in ("num_inference_steps", "mu", "timesteps", "sigmas", "original_inference_steps", "strength")}
    if isinstance(s, UniPCMultistepScheduler) and "sigmas" in kwargs:
        kwargs["sigmas"] = np.array(kwargs["sigmas"])  # UniPC's flow branch needs an array (a list raises)
    s.set_timesteps(**kwargs)


def ulp_rated(case):
    """The schedule quantities diffusers computes with torch's exp/log (MKL kernels on the reference machine,
    reproduced to one ulp): Euler's log-linear sigmas (and what is derived from them) and continuous timesteps."""
    cfg = case["config"]
    rated = []
    if case["scheduler"] == "EulerDiscreteScheduler":
        if cfg.get("interpolation_type") == "log_linear" and "sigmas" not in case["call"]:
            rated += ["sigmas", "timesteps"]
        if cfg.get("timestep_type") == "continuous" and cfg.get("prediction_type") == "v_prediction":
            rated += ["timesteps"]
    return sorted(set(rated))


def schedule_case(case):
    out = dict(case)
    out["ulp_rated"] = ulp_rated(case)
    try:
        s = build(case)
        call_set_timesteps(s, case["call"])
    except Exception as e:  # diffusers' own validation: the Swift port must throw too
        out["error"] = f"{type(e).__name__}: {e}"
        return out
    out["timesteps"] = timesteps_json(s.timesteps)
    out["sigmas"] = hexbits(s.sigmas.numpy()) if hasattr(s, "sigmas") else ""
    ins = getattr(s, "init_noise_sigma", 1.0)  # flow matching has none: the loop starts from pure noise
    out["init_noise_sigma"] = hexbits([float(ins)])
    return out


class CorrectlyRoundedTranscendentals:
    """Replaces torch.exp / torch.log on float32 tensors with correctly rounded values (computed in
    float64, rounded once). On the reference build these two go to MKL's VML kernels, which are
    faithful but not correctly rounded (and differ between CPU vendors); a loop whose result moves
    under a one-ulp change of a coefficient is compared against this machine-independent oracle as well."""

    def __enter__(self):
        self.exp, self.log = torch.exp, torch.log

        def wrap(f):
            def g(x, *args, **kwargs):
                if isinstance(x, torch.Tensor) and x.dtype == torch.float32 and not args and not kwargs:
                    return f(x.double()).float()
                return f(x, *args, **kwargs)
            return g

        self.texp, self.tlog = torch.Tensor.exp, torch.Tensor.log
        torch.exp, torch.log = wrap(self.exp), wrap(self.log)
        torch.Tensor.exp, torch.Tensor.log = wrap(self.texp), wrap(self.tlog)
        return self

    def __exit__(self, *exc):
        torch.exp, torch.log = self.exp, self.log
        torch.Tensor.exp, torch.Tensor.log = self.texp, self.tlog


def relative_difference(a, b):
    """The tests' error measure between two tensors: sum difference over the abs-sum, elementwise over max(|b|, mean|b|)."""
    a, b = a.double().reshape(-1), b.double().reshape(-1)
    if not (torch.isfinite(a).all() and torch.isfinite(b).all()):
        return 0.0 if torch.equal(torch.nan_to_num(a), torch.nan_to_num(b)) else float("inf")
    scale = b.abs().sum().item()
    mean_abs = scale / max(b.numel(), 1)
    worst = abs(a.sum().item() - b.sum().item()) / max(scale, 1e-300)
    denom = torch.clamp(b.abs(), min=max(mean_abs, 1e-30))
    return max(worst, ((a - b).abs() / denom).max().item())


def loop_case(case):
    """The loop on stock torch, and again with correctly rounded exp/log; records both and how far apart they are."""
    out, final, traced = run_loop(case)
    with CorrectlyRoundedTranscendentals():
        cr, cr_final, cr_traced = run_loop(case)
    out["result_cr"] = cr["result"]
    out["trace_cr"] = cr["trace"]
    out["cr_vs_stock"] = max([relative_difference(cr_final, final)]
                             + [relative_difference(x, y) for x, y in zip(cr_traced, traced)])
    return out


def run_loop(case):
    """Runs a sampling loop. kind: plain (model(x) -> step(x)), scaled (diffusers' Euler-family tests:
    the scaled sample is what step() receives), pipeline (scaled input to the model, unscaled sample to step),
    noise (add_noise at timesteps[start] then the rest of the loop)."""
    s = build(case)
    call_set_timesteps(s, case["call"])
    kind = case.get("kind", "plain")
    g = torch.manual_seed(case.get("seed", 0))
    learned = case.get("learned", False)
    sample = dummy_sample_deter()
    timesteps = s.timesteps
    if kind == "tail":  # diffusers' test_full_uneven_loop: start part-way, without noise
        timesteps = timesteps[case["start"]:]
    elif kind == "noise":
        start = case["start"]
        timesteps = timesteps[start:]
        if case.get("begin_index"):
            s.set_begin_index(start)
        sample = s.add_noise(sample, dummy_noise_deter(), timesteps[:1])
    elif kind in ("scaled", "pipeline"):
        sample = sample * getattr(s, "init_noise_sigma", 1.0)
    trace, traced = [], []
    record = set(case.get("record", []))
    extra = {k: case[k] for k in ("s_churn", "s_tmin", "s_tmax", "s_noise") if k in case}
    for i, t in enumerate(timesteps):
        if kind == "scaled":
            sample = s.scale_model_input(sample, t)
            m = dummy_model(sample, t, learned)
        elif kind == "pipeline":
            m = dummy_model(s.scale_model_input(sample, t), t, learned)
        else:
            m = dummy_model(sample, t, learned)
        if isinstance(s, (UniPCMultistepScheduler, HeunDiscreteScheduler)):
            sample = s.step(m, t, sample).prev_sample  # deterministic, takes no generator
        else:
            sample = s.step(m, t, sample, generator=g, **extra).prev_sample
        if i in record:
            trace.append({"step": i, "sample": summary(sample)})
            traced.append(sample.clone())
    out = dict(case)
    out["ulp_rated"] = ulp_rated(case)
    out["timesteps"] = timesteps_json(s.timesteps)
    out["sigmas"] = hexbits(s.sigmas.numpy()) if hasattr(s, "sigmas") else ""
    out["trace"] = trace
    out["result"] = summary(sample)
    return out, sample, traced


# ---------------------------------------------------------------------------------------------
# DPMSolverMultistepScheduler

DPM = "DPMSolverMultistepScheduler"
SD = {"beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear"}
COS = {"beta_schedule": "squaredcos_cap_v2"}
# diffusers' test config (tests/schedulers/test_scheduler_dpm_multi.py get_scheduler_config)
DPM_TEST = {"num_train_timesteps": 1000, "beta_start": 0.0001, "beta_end": 0.02, "beta_schedule": "linear",
            "solver_order": 2, "prediction_type": "epsilon", "thresholding": False, "sample_max_value": 1.0,
            "algorithm_type": "dpmsolver++", "solver_type": "midpoint", "lower_order_final": False,
            "euler_at_final": False, "lambda_min_clipped": -float("inf"), "variance_type": None,
            "final_sigmas_type": "sigma_min"}


def dpm_schedules():
    cases = []
    steps = [1, 2, 3, 5, 7, 10, 14, 15, 20, 25, 50, 100, 250, 999, 1000]
    schedules = {"linear": {}, "sd": SD, "cos": COS}
    for sname, sched in schedules.items():
        for spacing in ("linspace", "leading", "trailing"):
            for n in steps:
                if n >= 999 and sname != "linear":
                    continue  # long schedules once, to keep the fixtures small
                cfg = dict(sched, timestep_spacing=spacing)
                if spacing == "leading" and n in (10, 50):
                    cfg["steps_offset"] = 1
                cases.append({"scheduler": DPM, "config": cfg, "call": {"num_inference_steps": n}})
    for option in ("use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas", "use_lu_lambdas"):
        for sname, sched in schedules.items():
            for n in (1, 2, 3, 7, 10, 20, 25, 50, 100):
                cases.append({"scheduler": DPM, "config": dict(sched, **{option: True}),
                              "call": {"num_inference_steps": n}})
    for shift in (1.0, 3.0, 5.0):
        for n in (1, 4, 10, 28, 50):
            cases.append({"scheduler": DPM, "config": {"use_flow_sigmas": True, "flow_shift": shift,
                                                        "prediction_type": "flow_prediction"},
                          "call": {"num_inference_steps": n}})
    for mu in (0.5, 1.15, 2.0):
        cases.append({"scheduler": DPM, "config": {"use_flow_sigmas": True, "use_dynamic_shifting": True,
                                                    "prediction_type": "flow_prediction"},
                      "call": {"num_inference_steps": 20, "mu": mu}})
    for clip in (-5.1, -3.0, 0.0, 2.5):
        for n in (10, 25):
            cases.append({"scheduler": DPM, "config": dict(COS, lambda_min_clipped=clip),
                          "call": {"num_inference_steps": n}})
    for final in ("zero", "sigma_min"):
        for zsnr in (False, True):
            cfg = {"final_sigmas_type": final, "rescale_betas_zero_snr": zsnr}
            for n in (10, 30):
                cases.append({"scheduler": DPM, "config": cfg, "call": {"num_inference_steps": n}})
            cases.append({"scheduler": DPM, "config": dict(cfg, use_karras_sigmas=True, **SD),
                          "call": {"num_inference_steps": 12}})
    cases.append({"scheduler": DPM, "config": {}, "call": {"timesteps": [999, 800, 600, 400, 200, 100, 10, 1]}})
    cases.append({"scheduler": DPM, "config": {"num_train_timesteps": 2000}, "call": {"num_inference_steps": 37}})
    cases.append({"scheduler": DPM, "config": {"num_train_timesteps": 50, "use_karras_sigmas": True},
                  "call": {"num_inference_steps": 13}})
    # diffusers rejects these; the port must throw as well.
    cases.append({"scheduler": DPM, "config": {"use_karras_sigmas": True, "use_beta_sigmas": True},
                  "call": {"num_inference_steps": 10}})
    cases.append({"scheduler": DPM, "config": {"algorithm_type": "dpmsolver"}, "call": {"num_inference_steps": 10}})
    cases.append({"scheduler": DPM, "config": {"use_karras_sigmas": True}, "call": {"timesteps": [900, 500, 100]}})
    return cases


def dpm_loops():
    cases = []
    record = [0, 1, 2, 4]
    algos = ["dpmsolver++", "sde-dpmsolver++", "dpmsolver", "sde-dpmsolver"]
    i = 0
    for algo in algos:
        for order in (1, 2, 3):
            for solver_type in ("midpoint", "heun"):
                for pred in ("epsilon", "sample", "v_prediction"):
                    if algo == "sde-dpmsolver" and order == 3:
                        continue  # diffusers has no third-order sde-dpmsolver update
                    i += 1
                    cfg = dict(DPM_TEST, algorithm_type=algo, solver_order=order, solver_type=solver_type,
                               prediction_type=pred)
                    # Rotate the other options through the grid.
                    cfg["lower_order_final"] = i % 2 == 0
                    if algo.endswith("++") and i % 3 == 0:
                        cfg["final_sigmas_type"] = "zero"
                    if i % 4 == 1:
                        cfg.update(SD)
                    elif i % 4 == 3:
                        cfg.update(COS)
                    cfg["timestep_spacing"] = ["linspace", "leading", "trailing"][i % 3]
                    n = [10, 20, 50, 7, 25][i % 5]
                    cases.append({"scheduler": DPM, "config": cfg, "call": {"num_inference_steps": n},
                                  "seed": i, "record": record})
    # diffusers' own test loops
    cases.append({"name": "dpm_test_full_loop", "scheduler": DPM, "config": DPM_TEST,
                  "call": {"num_inference_steps": 10}, "seed": 0, "record": record})
    cases.append({"name": "dpm_test_with_noise", "scheduler": DPM, "config": DPM_TEST,
                  "call": {"num_inference_steps": 10}, "kind": "noise", "start": 5, "record": [0]})
    cases.append({"name": "dpm_test_with_noise_begin", "scheduler": DPM, "config": DPM_TEST,
                  "call": {"num_inference_steps": 10}, "kind": "noise", "start": 5, "begin_index": True,
                  "record": [0]})
    cases.append({"name": "dpm_test_thresholding", "scheduler": DPM,
                  "config": dict(DPM_TEST, thresholding=True, dynamic_thresholding_ratio=0.87, sample_max_value=0.5),
                  "call": {"num_inference_steps": 10}, "record": record})
    for algo in algos:
        cases.append({"scheduler": DPM, "config": dict(DPM_TEST, algorithm_type=algo, thresholding=True,
                                                       dynamic_thresholding_ratio=0.9, sample_max_value=2.0,
                                                       prediction_type="v_prediction"),
                      "call": {"num_inference_steps": 12}, "seed": 5, "record": record})
    for var in ("learned", "learned_range"):
        for algo in ("dpmsolver++", "dpmsolver"):
            cases.append({"scheduler": DPM, "config": dict(DPM_TEST, algorithm_type=algo, variance_type=var),
                          "call": {"num_inference_steps": 10}, "learned": True, "record": record})
    for option in ("use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas", "use_lu_lambdas"):
        for final in ("zero", "sigma_min"):
            for order in (2, 3):
                cfg = dict(DPM_TEST, **SD, **{option: True}, final_sigmas_type=final, solver_order=order,
                           lower_order_final=True)
                cases.append({"scheduler": DPM, "config": cfg, "call": {"num_inference_steps": 20}, "record": record})
    for shift in (1.0, 3.0):
        for algo in ("dpmsolver++", "sde-dpmsolver++"):
            cfg = {"use_flow_sigmas": True, "flow_shift": shift, "prediction_type": "flow_prediction",
                   "algorithm_type": algo}
            cases.append({"scheduler": DPM, "config": cfg, "call": {"num_inference_steps": 20}, "seed": 7,
                          "record": record})
    cases.append({"scheduler": DPM, "config": {"use_flow_sigmas": True, "use_dynamic_shifting": True,
                                                "prediction_type": "flow_prediction"},
                  "call": {"num_inference_steps": 10, "mu": 1.15}, "record": record})
    for zsnr_pred in ("v_prediction", "epsilon"):
        cases.append({"scheduler": DPM, "config": {"rescale_betas_zero_snr": True, "prediction_type": zsnr_pred,
                                                    "timestep_spacing": "trailing"},
                      "call": {"num_inference_steps": 25}, "record": record})
    for clip in (-5.1, -2.0):
        cases.append({"scheduler": DPM, "config": dict(COS, lambda_min_clipped=clip, solver_order=3),
                      "call": {"num_inference_steps": 20}, "record": record})
    for euler_at_final in (False, True):
        for n in (14, 15, 16):
            cases.append({"scheduler": DPM, "config": {"euler_at_final": euler_at_final, "solver_order": 3,
                                                        "final_sigmas_type": "sigma_min"},
                          "call": {"num_inference_steps": n}, "record": record})
    # The stochastic samplers with several seeds (generator reproducibility).
    for seed in (0, 42, 1234):
        for algo in ("sde-dpmsolver++", "sde-dpmsolver"):
            cases.append({"scheduler": DPM, "config": dict(DPM_TEST, algorithm_type=algo),
                          "call": {"num_inference_steps": 50}, "seed": seed, "record": record})
    cases.append({"scheduler": DPM, "config": {}, "call": {"timesteps": [999, 800, 600, 400, 200, 100, 10, 1]},
                  "record": record})
    return cases


# ---------------------------------------------------------------------------------------------
# EulerDiscreteScheduler, EulerAncestralDiscreteScheduler

EULER = "EulerDiscreteScheduler"
EULER_A = "EulerAncestralDiscreteScheduler"
# diffusers' test config (tests/schedulers/test_scheduler_euler.py get_scheduler_config)
EULER_TEST = {"num_train_timesteps": 1100, "beta_start": 0.0001, "beta_end": 0.02, "beta_schedule": "linear"}


def euler_schedules():
    cases = []
    schedules = {"linear": {}, "sd": SD, "cos": COS, "test": EULER_TEST}
    for cls in (EULER, EULER_A):
        for sname, sched in schedules.items():
            for spacing in ("linspace", "leading", "trailing"):
                for n in (1, 2, 3, 7, 10, 25, 50, 100):
                    cfg = dict(sched, timestep_spacing=spacing)
                    if spacing == "leading" and n in (10, 50):
                        cfg["steps_offset"] = 1
                    cases.append({"scheduler": cls, "config": cfg, "call": {"num_inference_steps": n}})
        for zsnr in (False, True):
            cases.append({"scheduler": cls, "config": dict(SD, rescale_betas_zero_snr=zsnr, timestep_spacing="trailing"),
                          "call": {"num_inference_steps": 20}})
    for option in ("use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas"):
        for sname, sched in schedules.items():
            for n in (1, 2, 5, 10, 20, 50):
                cases.append({"scheduler": EULER, "config": dict(sched, **{option: True}),
                              "call": {"num_inference_steps": n}})
        for lo, hi in ((0.03, 14.6), (None, 80.0), (0.002, None)):
            cases.append({"scheduler": EULER, "config": dict(SD, **{option: True}, sigma_min=lo, sigma_max=hi),
                          "call": {"num_inference_steps": 15}})
        cases.append({"scheduler": EULER, "config": dict(SD, **{option: True}, timestep_spacing="leading"),
                      "call": {"num_inference_steps": 12}})
    for n in (1, 4, 10, 30):
        cases.append({"scheduler": EULER, "config": dict(SD, interpolation_type="log_linear"),
                      "call": {"num_inference_steps": n}})
        cases.append({"scheduler": EULER, "config": dict(SD, interpolation_type="log_linear", use_karras_sigmas=True),
                      "call": {"num_inference_steps": n}})
    for n in (5, 25):
        cases.append({"scheduler": EULER, "config": dict(SD, timestep_type="continuous", prediction_type="v_prediction"),
                      "call": {"num_inference_steps": n}})
        cases.append({"scheduler": EULER, "config": dict(SD, timestep_type="continuous", prediction_type="v_prediction",
                                                          use_karras_sigmas=True), "call": {"num_inference_steps": n}})
        cases.append({"scheduler": EULER, "config": dict(SD, final_sigmas_type="sigma_min"),
                      "call": {"num_inference_steps": n}})
        cases.append({"scheduler": EULER, "config": dict(SD, final_sigmas_type="sigma_min", use_karras_sigmas=True,
                                                          rescale_betas_zero_snr=True), "call": {"num_inference_steps": n}})
    cases.append({"scheduler": EULER, "config": SD, "call": {"timesteps": [999.0, 750.5, 500.0, 250.25, 10.0, 1.0]}})
    cases.append({"scheduler": EULER, "config": SD,
                  "call": {"sigmas": [14.6146, 8.0, 4.5, 2.0, 1.0, 0.5, 0.25, 0.1, 0.0291675, 0.0]}})
    cases.append({"scheduler": EULER, "config": dict(SD, timestep_type="continuous", prediction_type="v_prediction"),
                  "call": {"sigmas": [80.0, 20.0, 5.0, 1.0, 0.2, 0.0]}})
    cases.append({"scheduler": EULER, "config": dict(SD, use_karras_sigmas=True), "call": {"timesteps": [900.0, 100.0]}})
    cases.append({"scheduler": EULER, "config": {"use_karras_sigmas": True, "use_beta_sigmas": True},
                  "call": {"num_inference_steps": 10}})
    return cases


def euler_loops():
    cases = []
    record = [0, 1, 4]
    i = 0
    for pred in ("epsilon", "v_prediction", "sample"):
        for option in (None, "use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas"):
            for kind in ("scaled", "pipeline"):
                i += 1
                cfg = dict(EULER_TEST if i % 2 else SD, prediction_type=pred)
                if option:
                    cfg[option] = True
                cfg["timestep_spacing"] = ["linspace", "leading", "trailing"][i % 3]
                cases.append({"scheduler": EULER, "config": cfg, "call": {"num_inference_steps": [10, 20, 50][i % 3]},
                              "kind": kind, "record": record})
    cases.append({"name": "euler_test_full_loop", "scheduler": EULER, "config": EULER_TEST,
                  "call": {"num_inference_steps": 10}, "kind": "scaled", "record": record})
    cases.append({"name": "euler_test_karras", "scheduler": EULER, "config": dict(EULER_TEST, use_karras_sigmas=True),
                  "call": {"num_inference_steps": 10}, "kind": "scaled", "record": record})
    cases.append({"name": "euler_test_with_noise", "scheduler": EULER, "config": EULER_TEST,
                  "call": {"num_inference_steps": 10}, "kind": "noise", "start": 8, "record": [0]})
    cases.append({"name": "euler_with_noise_begin", "scheduler": EULER, "config": dict(SD, use_karras_sigmas=True),
                  "call": {"num_inference_steps": 20}, "kind": "noise", "start": 12, "begin_index": True, "record": [0]})
    for interp in ("log_linear",):
        cases.append({"scheduler": EULER, "config": dict(SD, interpolation_type=interp), "call": {"num_inference_steps": 20},
                      "kind": "pipeline", "record": record})
    cases.append({"scheduler": EULER, "config": dict(SD, timestep_type="continuous", prediction_type="v_prediction",
                                                      use_karras_sigmas=True),
                  "call": {"num_inference_steps": 20}, "kind": "pipeline", "record": record})
    for final in ("sigma_min",):
        cases.append({"scheduler": EULER, "config": dict(SD, final_sigmas_type=final, use_karras_sigmas=True),
                      "call": {"num_inference_steps": 25}, "kind": "pipeline", "record": record})
    cases.append({"scheduler": EULER, "config": dict(SD, rescale_betas_zero_snr=True, prediction_type="v_prediction",
                                                      timestep_spacing="trailing"),
                  "call": {"num_inference_steps": 25}, "kind": "pipeline", "record": record})
    cases.append({"scheduler": EULER, "config": SD, "call": {"sigmas": [14.6146, 8.0, 4.5, 2.0, 1.0, 0.5, 0.1, 0.0]},
                  "kind": "pipeline", "record": record})
    for seed, churn, tmin, tmax, snoise in ((0, 0.5, 0.0, float("inf"), 1.0), (42, 1.0, 0.05, 50.0, 1.003),
                                            (1234, 40.0, 0.0, float("inf"), 1.0)):
        cases.append({"scheduler": EULER, "config": dict(SD, use_karras_sigmas=True), "call": {"num_inference_steps": 20},
                      "kind": "pipeline", "seed": seed, "s_churn": churn, "s_tmin": tmin, "s_tmax": tmax,
                      "s_noise": snoise, "record": record})
    # Euler ancestral: noise every step.
    for pred in ("epsilon", "v_prediction"):
        for j, spacing in enumerate(("linspace", "leading", "trailing")):
            for seed in (0, 42):
                cfg = dict(EULER_TEST if j % 2 else SD, prediction_type=pred, timestep_spacing=spacing)
                cases.append({"scheduler": EULER_A, "config": cfg, "call": {"num_inference_steps": [10, 20, 50][j]},
                              "kind": "pipeline" if seed else "scaled", "seed": seed, "record": record})
    cases.append({"name": "euler_a_test_full_loop", "scheduler": EULER_A, "config": EULER_TEST,
                  "call": {"num_inference_steps": 10}, "kind": "scaled", "seed": 0, "record": record})
    cases.append({"name": "euler_a_test_with_noise", "scheduler": EULER_A, "config": EULER_TEST,
                  "call": {"num_inference_steps": 10}, "kind": "noise", "start": 8, "seed": 0, "record": [0]})
    cases.append({"scheduler": EULER_A, "config": dict(SD, rescale_betas_zero_snr=True, prediction_type="v_prediction",
                                                        timestep_spacing="trailing"),
                  "call": {"num_inference_steps": 30}, "kind": "pipeline", "seed": 7, "record": record})
    return cases



def velocity_case(case):
    """EulerDiscreteScheduler.get_velocity(dummy_sample_deter, randn(noise_seed), timesteps): the timesteps are
    entries `picks` of the schedule (or the literal `timesteps`), as float32."""
    out = dict(case)
    s = build(case)
    if case.get("call"):
        call_set_timesteps(s, case["call"])
    if "picks" in case:
        timesteps = s.timesteps[case["picks"]]
    else:
        timesteps = torch.tensor(case["timesteps"], dtype=torch.float32)
    out["velocity_timesteps"] = hexbits(timesteps.numpy())
    sample = dummy_sample_deter()
    noise = torch.randn(sample.shape, generator=torch.Generator().manual_seed(case["noise_seed"]))
    try:
        v = s.get_velocity(sample, noise, timesteps)
    except Exception as e:  # diffusers' refusal (a timestep not in the schedule, a batch mismatch): the port must throw
        out["error"] = f"{type(e).__name__}: {e}"
        return out
    assert v.shape == sample.shape and v.dtype == torch.float32
    out["velocity"] = hexbits(v.numpy())
    return out


def euler_velocity_cases():
    def case(config, call, picks=None, timesteps=None, noise_seed=0):
        c = {"scheduler": EULER, "config": config, "call": call, "noise_seed": noise_seed}
        if picks is not None:
            c["picks"] = picks
        else:
            c["timesteps"] = timesteps
        return c

    return [
        # One timestep for the batch, and one per batch item.
        case({}, {"num_inference_steps": 10}, [3], noise_seed=1),
        case(SD, {"num_inference_steps": 25}, [0, 5, 12, 24], noise_seed=2),
        case(EULER_TEST, {"num_inference_steps": 50}, [49, 0, 17, 33], noise_seed=3),
        case(dict(SD, timestep_spacing="trailing"), {"num_inference_steps": 7}, [6], noise_seed=4),
        case(dict(COS, timestep_spacing="leading", steps_offset=1), {"num_inference_steps": 20}, [1, 2, 3, 19], noise_seed=5),
        # Fractional timesteps (Karras, exponential sigmas) and continuous timesteps (0.25·log σ).
        case(dict(SD, use_karras_sigmas=True), {"num_inference_steps": 20}, [0, 7, 13, 19], noise_seed=6),
        case(dict(SD, use_exponential_sigmas=True), {"num_inference_steps": 12}, [4], noise_seed=7),
        case(dict(SD, timestep_type="continuous", prediction_type="v_prediction"), {"num_inference_steps": 15},
             [0, 14, 3, 9], noise_seed=8),
        # Zero-SNR: step 999 reads the floored alphas_cumprod[-1] = 2**-24.
        case(dict(SD, rescale_betas_zero_snr=True, timestep_spacing="trailing"), {"num_inference_steps": 1000},
             [999, 998, 0, 500], noise_seed=9),
        # A timestep that occurs twice: index_for_timestep takes the second match.
        case(SD, {"timesteps": [999.0, 500.0, 500.0, 10.0]}, [1, 0, 3, 2], noise_seed=10),
        # Before set_timesteps: the training schedule T-1 ... 0.
        case({}, None, timesteps=[999.0, 0.0, 500.0, 123.0], noise_seed=11),
        # Refusals: not in the schedule, three timesteps for a batch of four, a step past the training table.
        case(SD, {"num_inference_steps": 10}, timesteps=[123.5], noise_seed=12),
        case(SD, {"num_inference_steps": 10}, [0, 1, 2], noise_seed=13),
        case({}, {"num_inference_steps": 1500}, [1200], noise_seed=14),
    ]


# ---------------------------------------------------------------------------------------------
# FlowMatchEulerDiscreteScheduler

FLOW = "FlowMatchEulerDiscreteScheduler"


def flow_schedules():
    cases = []
    for shift in (1.0, 3.0, 0.5, 6.0):
        for n in (1, 2, 4, 10, 28, 50):
            cases.append({"scheduler": FLOW, "config": {"shift": shift}, "call": {"num_inference_steps": n}})
    for shift_type in ("exponential", "linear"):
        for mu in (0.5, 1.15, 0.8):
            cases.append({"scheduler": FLOW, "config": {"use_dynamic_shifting": True, "time_shift_type": shift_type},
                          "call": {"num_inference_steps": 20, "mu": mu}})
    for terminal in (0.02, 0.1):
        cases.append({"scheduler": FLOW, "config": {"shift": 3.0, "shift_terminal": terminal},
                      "call": {"num_inference_steps": 20}})
        cases.append({"scheduler": FLOW, "config": {"use_dynamic_shifting": True, "shift_terminal": terminal},
                      "call": {"num_inference_steps": 20, "mu": 1.0}})
    for option in ("use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas"):
        for shift in (1.0, 3.0):
            for n in (2, 10, 30):
                cases.append({"scheduler": FLOW, "config": {"shift": shift, option: True}, "call": {"num_inference_steps": n}})
    for n in (5, 28):
        cases.append({"scheduler": FLOW, "config": {"shift": 3.0, "invert_sigmas": True}, "call": {"num_inference_steps": n}})
        # Flux: sigmas = np.linspace(1.0, 1 / n, n) with dynamic shifting.
        cases.append({"scheduler": FLOW, "config": {"use_dynamic_shifting": True, "shift": 3.0},
                      "call": {"sigmas": list(np.linspace(1.0, 1 / n, n)), "mu": 1.15}})
        cases.append({"scheduler": FLOW, "config": {"shift": 3.0},
                      "call": {"sigmas": list(np.linspace(1.0, 1 / n, n))}})
    cases.append({"scheduler": FLOW, "config": {"shift": 3.0}, "call": {"timesteps": [1000.0, 800.0, 500.5, 200.0, 10.0]}})
    cases.append({"scheduler": FLOW, "config": {"shift": 3.0, "shift_terminal": 0.05},
                  "call": {"sigmas": [1.0, 0.8, 0.6, 0.4, 0.2], "timesteps": [999.0, 800.0, 600.0, 400.0, 200.0]}})
    cases.append({"scheduler": FLOW, "config": {"num_train_timesteps": 100, "shift": 2.0}, "call": {"num_inference_steps": 7}})
    cases.append({"scheduler": FLOW, "config": {"use_dynamic_shifting": True}, "call": {"num_inference_steps": 10}})
    return cases


def flow_loops():
    cases = []
    record = [0, 1, 4]
    for shift in (1.0, 3.0):
        for n in (10, 20, 50):
            cases.append({"scheduler": FLOW, "config": {"shift": shift}, "call": {"num_inference_steps": n},
                          "record": record})
    for seed in (0, 42, 1234):
        cases.append({"scheduler": FLOW, "config": {"shift": 3.0, "stochastic_sampling": True},
                      "call": {"num_inference_steps": 20}, "seed": seed, "record": record})
    cases.append({"scheduler": FLOW, "config": {"use_dynamic_shifting": True, "shift_terminal": 0.05,
                                                 "use_karras_sigmas": True},
                  "call": {"num_inference_steps": 20, "mu": 0.9}, "record": record})
    cases.append({"scheduler": FLOW, "config": {"shift": 3.0, "invert_sigmas": True}, "call": {"num_inference_steps": 10},
                  "record": record})
    return cases



def timestep_at_sigma(sigma, T):
    """A float32 timestep v with float32(v / T) == sigma exactly (None if no float32 near sigma*T has it)."""
    sigma, T32 = np.float32(sigma), np.float32(T)
    v = np.float32(sigma * T32)
    for _ in range(16):
        q = np.float32(v / T32)
        if q == sigma:
            return v
        v = np.nextafter(v, np.float32(np.inf) if q < sigma else np.float32(-np.inf), dtype=np.float32)
    return None


def token_timesteps(s, count, rng):
    """Per-token timesteps drawn from: the schedule's own timesteps, timesteps exactly at every schedule
    sigma that a float32 timestep divides to (the final one included), timesteps within a few ulps of sigma + 1e-6 (where diffusers' mask
    flips), 0 (clean conditioning tokens), T, and uniform values in [0, T]."""
    T = s.config.num_train_timesteps
    sigmas = s.sigmas.numpy()
    pool = [np.float32(t) for t in s.timesteps.numpy()]
    for sigma in sigmas:
        v = timestep_at_sigma(sigma, T)
        if v is None:
            continue  # no float32 timestep divides to this sigma exactly
        assert (torch.tensor([v]) / T)[0].item() == np.float32(sigma)
        pool.append(v)
    for sigma in sigmas[:: max(1, len(sigmas) // 4)]:
        v = np.float32((np.float64(sigma) + 1e-6) * T)
        for j in range(-2, 3):
            w = v
            for _ in range(abs(j)):
                w = np.nextafter(w, np.float32(np.inf) if j > 0 else np.float32(-np.inf), dtype=np.float32)
            pool.append(w)
    pool += [np.float32(0.0), np.float32(T)]
    pool = list(rng.permutation(np.array(pool, dtype=np.float32)))
    while len(pool) < count:
        pool.append(np.float32(rng.uniform(0, T)))
    return np.array(pool[:count], dtype=np.float32)


def per_token_case(case):
    """One `step(model_output, timesteps[step], sample, per_token_timesteps=...)` on a fresh scheduler, with
    sample and model output from torch.randn (seed) and the per-token timesteps from token_timesteps."""
    out = dict(case)
    s = build(case)
    call_set_timesteps(s, case["call"])
    out["sigmas"] = hexbits(s.sigmas.numpy())
    count = int(np.prod(case["per_token_shape"]))
    pt = torch.from_numpy(token_timesteps(s, count, np.random.default_rng(case["seed"])))
    pt = pt.reshape(case["per_token_shape"])
    out["per_token_timesteps"] = hexbits(pt.numpy())
    g = torch.Generator().manual_seed(case["seed"])
    sample = torch.randn(case["shape"], generator=g)
    model = torch.randn(sample.shape, generator=g)
    timestep = s.timesteps[case["step"]] if "timestep" not in case else torch.tensor(case["timestep"])
    out["timestep"] = hexbits([timestep.item()])
    noise = torch.Generator().manual_seed(case["noise_seed"]) if "noise_seed" in case else None
    try:
        prev = s.step(model, timestep, sample, generator=noise, per_token_timesteps=pt).prev_sample
    except Exception as e:  # diffusers' own refusal (a shape torch cannot broadcast): the port must throw too
        out["error"] = f"{type(e).__name__}: {e}"
        return out
    assert prev.shape == sample.shape and prev.dtype == torch.float32
    out["prev_sample"] = hexbits(prev.numpy())
    out["step_index"] = s.step_index
    return out


def per_token_loop_case(case):
    """LTX-Video's conditioning loop: tokens with conditioning strength c get timestep min(t, (1 - c)·1000);
    the model is diffusers' dummy `x·t/(t + 1)` and the pipeline passes its negation."""
    out = dict(case)
    s = build(case)
    call_set_timesteps(s, case["call"])
    batch, tokens, channels = case["shape"]
    strength = torch.from_numpy(np.random.default_rng(case["seed"]).choice(
        np.array([0.0, 0.0, 0.0, 1.0, 0.5, 0.25], dtype=np.float32), size=(batch, tokens)))
    out["strength"] = hexbits(strength.numpy())
    sample = torch.randn(case["shape"], generator=torch.Generator().manual_seed(case["seed"]))
    noise = torch.Generator().manual_seed(case["noise_seed"]) if "noise_seed" in case else None
    for t in s.timesteps:
        pt = torch.min(t.expand(batch, tokens), (1 - strength) * 1000.0)
        model = sample * t / (t + 1)
        sample = s.step(-model, t, sample, generator=noise, per_token_timesteps=pt).prev_sample
    out["sigmas"] = hexbits(s.sigmas.numpy())
    out["result"] = hexbits(sample.numpy())
    out["step_index"] = s.step_index
    return out


def flow_per_token_cases():
    cases = []

    def add(config, call, step, shape, per_token_shape, seed, **extra):
        cases.append(dict({"scheduler": FLOW, "config": config, "call": call, "step": step, "shape": shape,
                           "per_token_shape": per_token_shape, "seed": seed}, **extra))

    # Static shifts and token counts; per-token timesteps per batch item and token.
    add({"shift": 1.0}, {"num_inference_steps": 10}, 0, [2, 7, 4], [2, 7], 1)
    add({"shift": 3.0}, {"num_inference_steps": 28}, 5, [1, 64, 3], [1, 64], 2)
    add({"shift": 3.0}, {"num_inference_steps": 50}, 49, [2, 96, 2], [2, 96], 3)
    add({"shift": 0.5}, {"num_inference_steps": 5}, 2, [3, 16, 5], [3, 16], 4)
    add({"shift": 6.0}, {"num_inference_steps": 4}, 1, [2, 40, 1], [2, 40], 5)
    # Shared across the batch ([1, tokens] and [tokens]) or across the tokens ([batch, 1], LTX without conditioning).
    add({"shift": 3.0}, {"num_inference_steps": 20}, 3, [2, 16, 8], [16], 6)
    add({"shift": 3.0}, {"num_inference_steps": 20}, 7, [4, 9, 6], [4, 1], 7)
    add({"shift": 3.0}, {"num_inference_steps": 20}, 0, [3, 1, 33], [3, 1], 8)
    # Dynamic shifting (exponential and linear), shift_terminal, Karras sigmas, Flux's custom sigmas, T = 100.
    add({"use_dynamic_shifting": True}, {"num_inference_steps": 30, "mu": 1.15}, 11, [2, 33, 5], [2, 33], 9)
    add({"use_dynamic_shifting": True, "time_shift_type": "linear", "shift_terminal": 0.1},
        {"num_inference_steps": 12, "mu": 0.8}, 4, [2, 24, 3], [2, 24], 10)
    add({"shift": 3.0, "use_karras_sigmas": True}, {"num_inference_steps": 15}, 6, [1, 48, 4], [1, 48], 11)
    add({"use_dynamic_shifting": True, "shift": 3.0},
        {"sigmas": list(np.linspace(1.0, 1 / 8, 8)), "mu": 1.15}, 2, [2, 20, 4], [2, 20], 12)
    add({"num_train_timesteps": 100, "shift": 2.0}, {"num_inference_steps": 7}, 3, [2, 18, 3], [2, 18], 13)
    # invert_sigmas: the schedule rises to 1, and the largest sigma below each token's is still the target.
    add({"shift": 3.0, "invert_sigmas": True}, {"num_inference_steps": 10}, 4, [2, 20, 3], [2, 20], 14)
    # stochastic_sampling: x0 re-noised to each token's next sigma with diffusers' randn.
    add({"shift": 3.0, "stochastic_sampling": True}, {"num_inference_steps": 20}, 3, [2, 16, 4], [2, 16], 15,
        noise_seed=0)
    add({"use_dynamic_shifting": True, "stochastic_sampling": True}, {"num_inference_steps": 10, "mu": 0.9},
        8, [1, 40, 2], [40], 16, noise_seed=42)
    # Refusals: shapes torch cannot broadcast, and a timestep that is not in the schedule.
    add({"shift": 3.0}, {"num_inference_steps": 10}, 0, [2, 5, 3], [3, 5], 17)
    add({"shift": 3.0}, {"num_inference_steps": 10}, 0, [2, 5, 3], [2, 4], 18)
    add({"shift": 3.0}, {"num_inference_steps": 10}, 0, [2, 5, 3], [2, 5, 1], 19)
    add({"shift": 3.0}, {"num_inference_steps": 10}, 0, [2, 5, 3], [2, 5], 20, timestep=123.25)
    return cases


def flow_per_token_loops():
    return [
        {"scheduler": FLOW, "config": {"shift": 3.0}, "call": {"num_inference_steps": 10}, "shape": [2, 24, 4],
         "seed": 21},
        {"scheduler": FLOW, "config": {"use_dynamic_shifting": True, "shift_terminal": 0.05},
         "call": {"num_inference_steps": 16, "mu": 1.15}, "shape": [1, 50, 3], "seed": 22},
        {"scheduler": FLOW, "config": {"shift": 3.0, "stochastic_sampling": True}, "call": {"num_inference_steps": 8},
         "shape": [2, 12, 2], "seed": 23, "noise_seed": 7},
    ]


# ---------------------------------------------------------------------------------------------
# UniPCMultistepScheduler

UNIPC = "UniPCMultistepScheduler"
# diffusers' test config (tests/schedulers/test_scheduler_unipc.py get_scheduler_config)
UNIPC_TEST = {"num_train_timesteps": 1000, "beta_start": 0.0001, "beta_end": 0.02, "beta_schedule": "linear",
              "solver_order": 2, "solver_type": "bh2", "final_sigmas_type": "sigma_min"}


def unipc_schedules():
    cases = []
    schedules = {"linear": {}, "sd": SD, "cos": COS}
    for sname, sched in schedules.items():
        for spacing in ("linspace", "leading", "trailing"):
            for n in (1, 2, 3, 7, 10, 25, 50, 100):
                cfg = dict(sched, timestep_spacing=spacing)
                if spacing == "leading" and n in (10, 50):
                    cfg["steps_offset"] = 1
                cases.append({"scheduler": UNIPC, "config": cfg, "call": {"num_inference_steps": n}})
    for option in ("use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas"):
        for final in ("zero", "sigma_min"):
            for n in (1, 5, 10, 25):
                cases.append({"scheduler": UNIPC, "config": dict(SD, **{option: True}, final_sigmas_type=final),
                              "call": {"num_inference_steps": n}})
        cases.append({"scheduler": UNIPC, "config": dict(SD, **{option: True}, sigma_min=0.02, sigma_max=80.0),
                      "call": {"num_inference_steps": 12}})
    for shift in (1.0, 3.0, 5.0):
        for final in ("zero", "sigma_min"):
            cases.append({"scheduler": UNIPC, "config": {"use_flow_sigmas": True, "flow_shift": shift,
                                                          "prediction_type": "flow_prediction",
                                                          "final_sigmas_type": final},
                          "call": {"num_inference_steps": 20}})
    cases.append({"scheduler": UNIPC, "config": {"use_flow_sigmas": True, "use_karras_sigmas": True,
                                                  "prediction_type": "flow_prediction"},
                  "call": {"num_inference_steps": 15}})
    for shift_type in ("exponential", "linear"):
        cases.append({"scheduler": UNIPC, "config": {"use_flow_sigmas": True, "use_dynamic_shifting": True,
                                                      "time_shift_type": shift_type, "prediction_type": "flow_prediction"},
                      "call": {"num_inference_steps": 20, "mu": 1.15}})
    cases.append({"scheduler": UNIPC, "config": {"use_flow_sigmas": True, "flow_shift": 3.0, "shift_terminal": 0.05,
                                                  "prediction_type": "flow_prediction"},
                  "call": {"num_inference_steps": 20}})
    cases.append({"scheduler": UNIPC, "config": {"use_flow_sigmas": True, "flow_shift": 3.0,
                                                  "prediction_type": "flow_prediction"},
                  "call": {"sigmas": list(np.linspace(1.0, 0.05, 12))}})
    cases.append({"scheduler": UNIPC, "config": {"rescale_betas_zero_snr": True, "timestep_spacing": "trailing"},
                  "call": {"num_inference_steps": 30}})
    cases.append({"scheduler": UNIPC, "config": {"shift_terminal": 0.1}, "call": {"num_inference_steps": 10}})
    cases.append({"scheduler": UNIPC, "config": {"use_flow_sigmas": True, "use_dynamic_shifting": True},
                  "call": {"num_inference_steps": 10}})
    return cases


def unipc_loops():
    cases = []
    record = [0, 1, 2, 4]
    i = 0
    for order in (1, 2, 3):
        for solver_type in ("bh1", "bh2"):
            for predict_x0 in (True, False):
                for pred in ("epsilon", "sample", "v_prediction"):
                    i += 1
                    cfg = dict(UNIPC_TEST, solver_order=order, solver_type=solver_type, predict_x0=predict_x0,
                               prediction_type=pred, lower_order_final=i % 3 != 0)
                    if i % 4 == 1:
                        cfg.update(SD)
                    elif i % 4 == 3:
                        cfg.update(COS)
                    if i % 5 == 0 and solver_type == "bh2":
                        cfg["final_sigmas_type"] = "zero"
                    cfg["timestep_spacing"] = ["linspace", "leading", "trailing"][i % 3]
                    n = [10, 20, 50, 7, 25][i % 5]
                    cases.append({"scheduler": UNIPC, "config": cfg, "call": {"num_inference_steps": n},
                                  "record": record})
    cases.append({"name": "unipc_test_full_loop", "scheduler": UNIPC, "config": UNIPC_TEST,
                  "call": {"num_inference_steps": 10}, "record": record})
    cases.append({"name": "unipc_test_with_noise", "scheduler": UNIPC, "config": UNIPC_TEST,
                  "call": {"num_inference_steps": 10}, "kind": "noise", "start": 8, "record": [0]})
    cases.append({"name": "unipc_bh1_zero_final_is_nan", "scheduler": UNIPC,
                  "config": {"solver_type": "bh1"}, "call": {"num_inference_steps": 5}, "record": [0]})
    for disabled in ([0], [1, 2, 3], [0, 4, 8]):
        cases.append({"scheduler": UNIPC, "config": dict(UNIPC_TEST, disable_corrector=disabled, solver_order=3),
                      "call": {"num_inference_steps": 12}, "record": record})
    for option in ("use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas"):
        for final in ("zero", "sigma_min"):
            cases.append({"scheduler": UNIPC, "config": dict(SD, **{option: True}, final_sigmas_type=final),
                          "call": {"num_inference_steps": 20}, "record": record})
    for shift in (1.0, 3.0):
        cases.append({"scheduler": UNIPC, "config": {"use_flow_sigmas": True, "flow_shift": shift,
                                                      "prediction_type": "flow_prediction"},
                      "call": {"num_inference_steps": 20}, "record": record})
    cases.append({"scheduler": UNIPC, "config": {"use_flow_sigmas": True, "use_dynamic_shifting": True,
                                                  "shift_terminal": 0.05, "prediction_type": "flow_prediction"},
                  "call": {"num_inference_steps": 15, "mu": 0.9}, "record": record})
    for algo_x0 in (True, False):
        cases.append({"scheduler": UNIPC, "config": dict(UNIPC_TEST, thresholding=True, predict_x0=algo_x0,
                                                          dynamic_thresholding_ratio=0.87, sample_max_value=0.5),
                      "call": {"num_inference_steps": 10}, "record": record})
    cases.append({"scheduler": UNIPC, "config": {"rescale_betas_zero_snr": True, "prediction_type": "v_prediction",
                                                  "timestep_spacing": "trailing"},
                  "call": {"num_inference_steps": 25}, "record": record})
    for n in (10, 20, 50):
        cases.append({"scheduler": UNIPC, "config": SD, "call": {"num_inference_steps": n}, "record": record})
    # solver_p: another scheduler predicts from the UniC-corrected sample ("solver_p + UniC").
    for k, (order, algorithm, pred, n) in enumerate([(2, "dpmsolver++", "epsilon", 10), (1, "dpmsolver++", "epsilon", 20),
                                                      (3, "dpmsolver++", "v_prediction", 15), (2, "dpmsolver", "epsilon", 12),
                                                      (2, "dpmsolver++", "sample", 25)]):
        base = SD if k % 2 == 0 else UNIPC_TEST
        inner = dict(base, solver_order=order, algorithm_type=algorithm, prediction_type=pred)
        outer = dict(base, prediction_type=pred, solver_order=[2, 3, 1, 2, 2][k], predict_x0=k != 3)
        if k == 4:
            outer["disable_corrector"] = [1, 2]
        cases.append({"scheduler": UNIPC, "config": outer, "solver_p": {"scheduler": DPM, "config": inner},
                      "call": {"num_inference_steps": n}, "record": record})
    return cases


# ---------------------------------------------------------------------------------------------
# HeunDiscreteScheduler

HEUN = "HeunDiscreteScheduler"
HEUN_TEST = {"num_train_timesteps": 1100, "beta_start": 0.0001, "beta_end": 0.02, "beta_schedule": "linear"}


def heun_schedules():
    cases = []
    schedules = {"default": {}, "sd": SD, "cos": COS, "exp": {"beta_schedule": "exp"}, "test": HEUN_TEST}
    for sname, sched in schedules.items():
        for spacing in ("linspace", "leading", "trailing"):
            for n in (1, 2, 5, 10, 25, 50):
                cfg = dict(sched, timestep_spacing=spacing)
                if spacing == "leading" and n == 10:
                    cfg["steps_offset"] = 1
                cases.append({"scheduler": HEUN, "config": cfg, "call": {"num_inference_steps": n}})
    for option in ("use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas"):
        for sched in (SD, COS, {"beta_schedule": "exp"}):
            for n in (2, 10, 30):
                cases.append({"scheduler": HEUN, "config": dict(sched, **{option: True}), "call": {"num_inference_steps": n}})
    cases.append({"scheduler": HEUN, "config": SD, "call": {"timesteps": [999.0, 700.0, 400.5, 100.0, 0.0]}})
    cases.append({"scheduler": HEUN, "config": dict(SD, use_karras_sigmas=True), "call": {"timesteps": [900.0, 100.0]}})
    return cases


def heun_loops():
    cases = []
    record = [0, 1, 2, 5]
    i = 0
    for pred in ("epsilon", "v_prediction", "sample"):
        for option in (None, "use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas"):
            for clip in (False, True):
                i += 1
                cfg = dict(HEUN_TEST if i % 2 else SD, prediction_type=pred, clip_sample=clip)
                if option:
                    cfg[option] = True
                cfg["timestep_spacing"] = ["linspace", "leading", "trailing"][i % 3]
                cases.append({"scheduler": HEUN, "config": cfg, "call": {"num_inference_steps": [10, 20, 50][i % 3]},
                              "kind": ["scaled", "pipeline"][i % 2], "record": record})
    cases.append({"name": "heun_test_full_loop", "scheduler": HEUN, "config": HEUN_TEST,
                  "call": {"num_inference_steps": 10}, "kind": "scaled", "record": record})
    cases.append({"name": "heun_test_with_noise", "scheduler": HEUN, "config": HEUN_TEST,
                  "call": {"num_inference_steps": 10}, "kind": "noise", "start": 16, "record": [0]})
    cases.append({"scheduler": HEUN, "config": {"beta_schedule": "exp", "use_karras_sigmas": True},
                  "call": {"num_inference_steps": 15}, "kind": "pipeline", "record": record})
    return cases


# ---------------------------------------------------------------------------------------------
# DPMSolverSinglestepScheduler

DPM_S = "DPMSolverSinglestepScheduler"
DPM_S_TEST = {"num_train_timesteps": 1000, "beta_start": 0.0001, "beta_end": 0.02, "beta_schedule": "linear",
              "solver_order": 2, "prediction_type": "epsilon", "thresholding": False, "sample_max_value": 1.0,
              "algorithm_type": "dpmsolver++", "solver_type": "midpoint", "lambda_min_clipped": -float("inf"),
              "variance_type": None, "final_sigmas_type": "sigma_min"}


def dpm_single_schedules():
    cases = []
    for sname, sched in {"linear": {}, "sd": SD, "cos": COS}.items():
        for n in (1, 2, 3, 5, 10, 25, 50, 100):
            cases.append({"scheduler": DPM_S, "config": sched, "call": {"num_inference_steps": n}})
    for option in ("use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas"):
        for sched in (SD, COS):
            for n in (2, 10, 25):
                cases.append({"scheduler": DPM_S, "config": dict(sched, **{option: True}), "call": {"num_inference_steps": n}})
    for shift in (1.0, 3.0):
        cases.append({"scheduler": DPM_S, "config": {"use_flow_sigmas": True, "flow_shift": shift,
                                                      "prediction_type": "flow_prediction"},
                      "call": {"num_inference_steps": 20}})
    cases.append({"scheduler": DPM_S, "config": {"use_flow_sigmas": True, "use_dynamic_shifting": True,
                                                  "prediction_type": "flow_prediction"},
                  "call": {"num_inference_steps": 20, "mu": 1.1}})
    for clip in (-5.1, -3.0):
        cases.append({"scheduler": DPM_S, "config": dict(COS, lambda_min_clipped=clip), "call": {"num_inference_steps": 20}})
    cases.append({"scheduler": DPM_S, "config": {"final_sigmas_type": "sigma_min"}, "call": {"num_inference_steps": 12}})
    cases.append({"scheduler": DPM_S, "config": {}, "call": {"timesteps": [999, 800, 600, 400, 200, 10]}})
    cases.append({"scheduler": DPM_S, "config": {"algorithm_type": "sde-dpmsolver"}, "call": {"num_inference_steps": 10}})
    return cases


def dpm_single_loops():
    cases = []
    record = [0, 1, 2, 4]
    i = 0
    for algo in ("dpmsolver++", "sde-dpmsolver++", "dpmsolver"):
        for order in (1, 2, 3):
            for solver_type in ("midpoint", "heun"):
                for pred in ("epsilon", "sample", "v_prediction"):
                    i += 1
                    cfg = dict(DPM_S_TEST, algorithm_type=algo, solver_order=order, solver_type=solver_type,
                               prediction_type=pred, lower_order_final=i % 2 == 0)
                    if algo.endswith("++") and i % 3 == 0:
                        cfg["final_sigmas_type"] = "zero"
                    if i % 4 == 1:
                        cfg.update(SD)
                    elif i % 4 == 3:
                        cfg.update(COS)
                    n = [10, 20, 50, 7, 25, 12][i % 6]
                    cases.append({"scheduler": DPM_S, "config": cfg, "call": {"num_inference_steps": n}, "seed": i,
                                  "record": record})
    cases.append({"name": "dpm_single_test_full_loop", "scheduler": DPM_S, "config": DPM_S_TEST,
                  "call": {"num_inference_steps": 10}, "record": record})
    cases.append({"name": "dpm_single_test_uneven_loop", "scheduler": DPM_S, "config": DPM_S_TEST,
                  "call": {"num_inference_steps": 50}, "kind": "tail", "start": 3, "record": record})
    cases.append({"name": "dpm_single_test_with_noise", "scheduler": DPM_S, "config": DPM_S_TEST,
                  "call": {"num_inference_steps": 10}, "kind": "noise", "start": 5, "record": [0]})
    for option in ("use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas"):
        cases.append({"scheduler": DPM_S, "config": dict(DPM_S_TEST, **SD, **{option: True}, solver_order=3),
                      "call": {"num_inference_steps": 20}, "record": record})
    cases.append({"scheduler": DPM_S, "config": dict(DPM_S_TEST, thresholding=True, dynamic_thresholding_ratio=0.87,
                                                      sample_max_value=0.5), "call": {"num_inference_steps": 10},
                  "record": record})
    for var in ("learned", "learned_range"):
        cases.append({"scheduler": DPM_S, "config": dict(DPM_S_TEST, variance_type=var), "call": {"num_inference_steps": 10},
                      "learned": True, "record": record})
    cases.append({"scheduler": DPM_S, "config": {"use_flow_sigmas": True, "flow_shift": 3.0,
                                                  "prediction_type": "flow_prediction", "solver_order": 3},
                  "call": {"num_inference_steps": 18}, "record": record})
    for seed in (0, 42):
        cases.append({"scheduler": DPM_S, "config": dict(DPM_S_TEST, algorithm_type="sde-dpmsolver++",
                                                          solver_type="heun", solver_order=3),
                      "call": {"num_inference_steps": 30}, "seed": seed, "record": record})
    return cases


# ---------------------------------------------------------------------------------------------
# LCMScheduler

LCM = "LCMScheduler"
LCM_TEST = {"num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
            "prediction_type": "epsilon"}


def lcm_schedules():
    cases = []
    for n in (1, 2, 4, 8, 10, 25, 50):
        cases.append({"scheduler": LCM, "config": {}, "call": {"num_inference_steps": n}})
    for orig in (20, 30, 100, 1000):
        for n in (1, 3, 7, 20):
            cases.append({"scheduler": LCM, "config": {"original_inference_steps": orig},
                          "call": {"num_inference_steps": n}})
    for strength in (0.5, 0.8, 0.33):
        for n in (2, 4, 10):
            cases.append({"scheduler": LCM, "config": {}, "call": {"num_inference_steps": n, "strength": strength}})
    cases.append({"scheduler": LCM, "config": {}, "call": {"num_inference_steps": 4, "original_inference_steps": 40}})
    cases.append({"scheduler": LCM, "config": {"num_train_timesteps": 777}, "call": {"num_inference_steps": 6}})
    for strength in (1.0, 0.5):
        cases.append({"scheduler": LCM, "config": {}, "call": {"timesteps": [999, 759, 499, 259, 100, 15],
                                                                "strength": strength}})
    cases.append({"scheduler": LCM, "config": {}, "call": {"num_inference_steps": 60}})
    cases.append({"scheduler": LCM, "config": {}, "call": {"num_inference_steps": 10, "strength": 0.1}})
    return cases


def lcm_loops():
    cases = []
    record = [0, 1, 2]
    cases.append({"name": "lcm_test_onestep", "scheduler": LCM, "config": LCM_TEST, "call": {"num_inference_steps": 1},
                  "seed": 0, "record": [0]})
    cases.append({"name": "lcm_test_multistep", "scheduler": LCM, "config": LCM_TEST,
                  "call": {"num_inference_steps": 10}, "seed": 0, "record": record})
    i = 0
    for pred in ("epsilon", "sample", "v_prediction"):
        for mode in ({}, {"clip_sample": True}, {"thresholding": True, "dynamic_thresholding_ratio": 0.9,
                                                  "sample_max_value": 2.0}):
            for one in (True, False):
                i += 1
                cfg = dict(LCM_TEST, prediction_type=pred, set_alpha_to_one=one, **mode)
                if i % 3 == 0:
                    cfg["timestep_scaling"] = 5.0
                if i % 4 == 0:
                    cfg.update({"beta_schedule": "linear", "beta_start": 0.0001, "beta_end": 0.02})
                cases.append({"scheduler": LCM, "config": cfg, "call": {"num_inference_steps": [4, 8, 2][i % 3]},
                              "seed": 100 + i, "record": record})
    cases.append({"scheduler": LCM, "config": dict(LCM_TEST, rescale_betas_zero_snr=True, prediction_type="v_prediction"),
                  "call": {"num_inference_steps": 6}, "seed": 3, "record": record})
    cases.append({"scheduler": LCM, "config": LCM_TEST, "call": {"num_inference_steps": 4, "strength": 0.6},
                  "seed": 9, "record": record})
    cases.append({"scheduler": LCM, "config": LCM_TEST, "call": {"timesteps": [999, 759, 499, 259], "strength": 0.5},
                  "seed": 11, "record": [0]})
    cases.append({"name": "lcm_with_noise", "scheduler": LCM, "config": LCM_TEST, "call": {"num_inference_steps": 8},
                  "kind": "noise", "start": 3, "seed": 5, "record": [0]})
    return cases


def beta_ppf():
    qs = []
    for n in (2, 3, 4, 5, 7, 10, 13, 20, 25, 50, 100, 1000):
        qs += list(1 - np.linspace(0, 1, n))
    rng = np.random.default_rng(0)
    qs += list(rng.uniform(0, 1, 500)) + list(10.0 ** rng.uniform(-12, 0, 100)) + list(1 - 10.0 ** rng.uniform(-12, 0, 100))
    qs = np.array(qs, dtype=np.float64)
    ppf = np.array([scipy.stats.beta.ppf(q, 0.6, 0.6) for q in qs])
    return {"q": hex64(qs), "ppf": hex64(ppf)}


def finite_json(value):
    if isinstance(value, float) and not np.isfinite(value):
        return "nan" if np.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_json(v) for v in value]
    return value


def write(name, payload):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(finite_json(payload), f, separators=(",", ":"), sort_keys=True, allow_nan=False)
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def main():
    os.makedirs(OUT, exist_ok=True)
    schedules = (dpm_schedules() + euler_schedules() + flow_schedules() + unipc_schedules() + heun_schedules()
                 + dpm_single_schedules() + lcm_schedules())
    loops = (dpm_loops() + euler_loops() + flow_loops() + unipc_loops() + heun_loops() + dpm_single_loops()
             + lcm_loops())
    write("schedules.json", [schedule_case(c) for c in schedules])
    write("loops.json", [loop_case(c) for c in loops])
    write("beta_ppf.json", beta_ppf())
    per_token = [per_token_case(c) for c in flow_per_token_cases()]
    write("euler_velocity.json", [velocity_case(c) for c in euler_velocity_cases()])
    write("flow_per_token.json", {"steps": per_token, "loops": [per_token_loop_case(c) for c in flow_per_token_loops()]})
    print(f"{len(schedules)} schedule cases, {len(loops)} loop cases")


if __name__ == "__main__":
    main()
