"""Runs diffusers itself on the pitfalls the DPM-Solver article shows as executed behaviour of
our port, so that what the article says about diffusers is what diffusers does.

    python3 -m venv ~/venv-diffusers && ~/venv-diffusers/bin/pip install diffusers==0.42.1 torch numpy scipy
    ~/venv-diffusers/bin/python Scripts/check_diffusers_pitfalls.py

Prints one line per pitfall; exits non-zero if diffusers no longer behaves as the article says.
"""
import math
import sys

import diffusers
import torch
from diffusers import DPMSolverMultistepScheduler

SD = dict(beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012)


def exact_denoiser_loop(scheduler, steps):
    """Runs a whole sampling loop with a model that predicts the noise of a point mass at 0.5,
    which is enough to make every coefficient of every step count."""
    scheduler.set_timesteps(steps)
    generator = torch.Generator().manual_seed(0)
    sample = torch.randn((1, 1, 4, 4), generator=generator) * scheduler.init_noise_sigma
    for t in scheduler.timesteps:
        alpha = scheduler.alphas_cumprod[int(t)]
        eps = (sample - alpha.sqrt() * 0.5) / (1 - alpha).sqrt()
        sample = scheduler.step(eps, t, sample).prev_sample
    return sample


failures = []
print(f"diffusers {diffusers.__version__}, torch {torch.__version__}")

# 1. The default linspace spacing ends its steps at t = 100 (ten steps) and jumps to σ = 0.
s = DPMSolverMultistepScheduler(**SD)
s.set_timesteps(10)
last_t, last_sigma = int(s.timesteps[-1]), float(s.sigmas[-2])
print(f"1. default spacing, 10 steps: last timestep {last_t}, its sigma {last_sigma:.4f}, final sigma {float(s.sigmas[-1])}")
if last_t != 100 or float(s.sigmas[-1]) != 0.0:
    failures.append("1")

# 2. use_beta_sigmas at 40 steps repeats timestep 998, and the loop fails with an IndexError.
s = DPMSolverMultistepScheduler(**SD, use_beta_sigmas=True)
s.set_timesteps(40)
ts = [int(t) for t in s.timesteps]
repeats = sorted({t for t in ts if ts.count(t) > 1})
try:
    exact_denoiser_loop(s, 40)
    outcome = "ran to the end"
except IndexError as error:
    outcome = f"IndexError: {error}"
print(f"2. use_beta_sigmas, 40 steps: first timesteps {ts[:3]}, repeated {repeats}; the loop: {outcome}")
if not repeats or not outcome.startswith("IndexError"):
    failures.append("2")

# 3. algorithm_type dpmsolver, order 3, Karras sigmas, final_sigmas_type sigma_min: the last step
#    has h = 0 and the result is NaN.
for steps in (10, 24, 25):
    s = DPMSolverMultistepScheduler(**SD, algorithm_type="dpmsolver", solver_order=3, use_karras_sigmas=True, final_sigmas_type="sigma_min")
    out = exact_denoiser_loop(s, steps)
    s.set_timesteps(steps)
    print(f"3. dpmsolver order 3, Karras, sigma_min, {steps} steps: last sigmas {[round(float(x), 5) for x in s.sigmas[-3:]]}, NaN in result: {bool(torch.isnan(out).any())}")
s = DPMSolverMultistepScheduler(**SD, algorithm_type="dpmsolver", solver_order=3, use_karras_sigmas=True, final_sigmas_type="sigma_min")
if not bool(torch.isnan(exact_denoiser_loop(s, 24)).any()):
    failures.append("3")

# 4. dpmsolver++ order 3 with exponential sigmas and sigma_min.
for steps in (10, 20, 40):
    s = DPMSolverMultistepScheduler(**SD, solver_order=3, use_exponential_sigmas=True, final_sigmas_type="sigma_min")
    out = exact_denoiser_loop(s, steps)
    s.set_timesteps(steps)
    print(f"4. dpmsolver++ order 3, exponential, sigma_min, {steps} steps: last sigmas {[round(float(x), 5) for x in s.sigmas[-3:]]}, timesteps end {[int(t) for t in s.timesteps[-3:]]}, NaN: {bool(torch.isnan(out).any())}")

if failures:
    print("diffusers no longer behaves as the article says for: " + ", ".join(failures))
    sys.exit(1)
