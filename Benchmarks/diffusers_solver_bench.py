"""Times diffusers 0.42.1 + torch (CPU, one thread) on the solver cases of SolverBenchmarks.swift:
the mean time of one `step` over a 20-step schedule, with a fixed sample and model output.

Run by run-scheduler-bench.sh when DIFFUSERS_VENV is set; prints `name<TAB>shape<TAB>us<TAB>samples`.
"""
import statistics
import sys
import time

import torch
import diffusers.utils.logging
from diffusers import (DPMSolverMultistepScheduler, EulerDiscreteScheduler, FlowMatchEulerDiscreteScheduler,
                       UniPCMultistepScheduler)

torch.set_num_threads(1)
diffusers.utils.logging.set_verbosity_error()  # Euler warns when step() runs without scale_model_input()
samples = int(sys.argv[1]) if len(sys.argv) > 1 else 200
STEPS = 20
SD = dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear")


def median_us(fn, n):
    for _ in range(max(2, n // 10)):
        fn()
    times = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        fn()
        times.append((time.perf_counter_ns() - t0) / 1000)
    return statistics.median(times)


def report(name, shape, us, n):
    print(f"{name}\t{'x'.join(map(str, shape))}\t{us:.3f}\t{n}", flush=True)


def loop_case(name, scheduler, shape, sample, model_output):
    def loop():
        scheduler.set_timesteps(STEPS)
        for t in scheduler.timesteps:
            scheduler.step(model_output, t, sample)
    n = max(10, samples // 4)
    report(name, shape, median_us(loop, n) / STEPS, n)


for shape in ([1, 4, 64, 64], [1, 4, 128, 128], [1, 16, 128, 128]):
    g = torch.manual_seed(1)
    sample = (torch.randn(shape, generator=g) / 3).clamp(-1, 1)
    model_output = (torch.randn(shape, generator=g) / 3).clamp(-1, 1)
    loop_case("dpmpp_2m_step", DPMSolverMultistepScheduler(**SD), shape, sample, model_output)
    loop_case("euler_step", EulerDiscreteScheduler(**SD), shape, sample, model_output)
    loop_case("unipc_step", UniPCMultistepScheduler(**SD), shape, sample, model_output)
    loop_case("flow_euler_step", FlowMatchEulerDiscreteScheduler(shift=3.0), shape, sample, model_output)
