"""Times diffusers 0.42.1 + torch (CPU, one thread) on the shapes SchedulerBenchmark uses.

Run by run-scheduler-bench.sh when DIFFUSERS_VENV points at a venv with diffusers and torch.
Prints `name<TAB>shape<TAB>median microseconds<TAB>samples` lines like the Swift program.
"""
import statistics
import sys
import time

import torch
from diffusers import DDIMScheduler, DDPMScheduler

torch.set_num_threads(1)
samples = int(sys.argv[1]) if len(sys.argv) > 1 else 200


def median_us(fn, samples, repeats):
    for _ in range(max(2, samples // 10)):
        fn()
    times = []
    for _ in range(samples):
        t0 = time.perf_counter_ns()
        for _ in range(repeats):
            fn()
        times.append((time.perf_counter_ns() - t0) / 1000 / repeats)
    return statistics.median(times)


def report(name, shape, us, n):
    print(f"{name}\t{'x'.join(map(str, shape))}\t{us:.3f}\t{n}", flush=True)


for shape in ([1, 4, 64, 64], [1, 4, 128, 128], [1, 16, 128, 128]):
    g = torch.manual_seed(1)
    sample = (torch.randn(shape, generator=g) / 3).clamp(-1, 1)
    model_output = (torch.randn(shape, generator=g) / 3).clamp(-1, 1)
    ddim = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", clip_sample=False,
                         set_alpha_to_one=False, steps_offset=1)
    ddim.set_timesteps(50)
    t = int(ddim.timesteps[25])
    report("ddim_step_eta0", shape, median_us(lambda: ddim.step(model_output, t, sample), samples, 5), samples)
    ddpm = DDPMScheduler()
    ddpm.set_timesteps(50)
    tp = int(ddpm.timesteps[25])
    gen = torch.manual_seed(0)
    report("ddpm_step", shape, median_us(lambda: ddpm.step(model_output, tp, sample, generator=gen), samples, 1),
           samples)
    report("randn", shape, median_us(lambda: torch.randn(shape, generator=gen), samples, 1), samples)

    def loop():
        x = sample
        for step in ddim.timesteps:
            x = ddim.step(model_output, step, x).prev_sample

    n = max(5, samples // 10)
    report("ddim_loop_50", shape, median_us(loop, n, 1), n)

    def ddpm_loop():
        x = sample
        for step in ddpm.timesteps:
            x = ddpm.step(model_output, step, x, generator=gen).prev_sample

    report("ddpm_loop_50", shape, median_us(ddpm_loop, n, 1), n)
