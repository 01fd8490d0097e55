// Step benchmarks of the sigma-based schedulers (DPM-Solver++ 2M, Euler, UniPC, flow-matching
// Euler), kept apart from the DDPM/DDIM cases in main.swift. Each result is the mean time of
// one `step` over a whole 20-step schedule (warm-up and final steps included), with the
// allocation-free `into:` variants and a fixed sample and model output, so only the
// scheduler is timed; each `_inplace` case updates its own latent buffer in place, as a
// sampling loop would, starting from the same sample (the values drift over the repeated
// loops, which does not change the work), so no case's figure depends on the cases before it.
// Where glibc places a buffer matters: 256 KB arrays come from the heap at any 16-byte offset,
// and when the latents and the model output do not share their offset within a 64-byte line,
// a pass that aligns its output reads the other with line-crossing loads (see README).
// Lines have the same format as main.swift's.
import DiffusionSchedulers
import Foundation

/// Times `loop` (one pass over a 20-step schedule) and reports the mean microseconds per step.
func reportSolverLoop(_ name: String, _ shape: [Int], samples: Int, steps: Int, _ loop: () throws -> Void) rethrows {
    let loopSamples = max(10, samples / 4)
    let micros = try medianMicroseconds(samples: loopSamples, repeats: 1, loop)
    report(name, shape, micros / Double(steps), loopSamples)
}

/// The solver cases for one latent shape.
func runSolverBenchmarks(shape: [Int], samples: Int) throws {
    let sample = try latent(shape, seed: 1)
    let modelOutput = try latent(shape, seed: 2)
    let steps = 20
    var out = sample

    // DPM-Solver++ 2M with Stable Diffusion's schedule (the diffusers default configuration).
    var dpmConfig = DPMSolverMultistepSchedulerConfiguration()
    dpmConfig.betaStart = 0.00085
    dpmConfig.betaEnd = 0.012
    dpmConfig.betaSchedule = .scaledLinear
    let dpm = try DPMSolverMultistepScheduler(config: dpmConfig)
    try reportSolverLoop("dpmpp_2m_step", shape, samples: samples, steps: steps) {
        try dpm.setTimesteps(steps)
        for t in dpm.timesteps {
            try dpm.step(modelOutput: modelOutput, timestep: t, sample: sample, into: &out)
        }
    }

    /// A sample-sized buffer of its own for one in-place case.
    func freshLatents() throws -> Tensor { try Tensor(shape: shape, scalars: sample.scalars.map { $0 }) }

    var latents = try freshLatents()
    try reportSolverLoop("dpmpp_2m_step_inplace", shape, samples: samples, steps: steps) {
        try dpm.setTimesteps(steps)
        for t in dpm.timesteps {
            try dpm.step(modelOutput: modelOutput, timestep: t, sample: &latents)
        }
    }

    // Euler with the same schedule (the step also writes the x₀ estimate, as diffusers returns it).
    var eulerConfig = EulerDiscreteSchedulerConfiguration()
    eulerConfig.betaStart = 0.00085
    eulerConfig.betaEnd = 0.012
    eulerConfig.betaSchedule = .scaledLinear
    let euler = try EulerDiscreteScheduler(config: eulerConfig)
    var original = sample
    try reportSolverLoop("euler_step", shape, samples: samples, steps: steps) {
        try euler.setTimesteps(steps)
        for t in euler.timesteps {
            try euler.step(
                modelOutput: modelOutput, timestep: t, sample: sample, into: &out, predOriginalSample: &original)
        }
    }

    latents = try freshLatents()
    try reportSolverLoop("euler_step_inplace", shape, samples: samples, steps: steps) {
        try euler.setTimesteps(steps)
        for t in euler.timesteps {
            try euler.step(modelOutput: modelOutput, timestep: t, sample: &latents)
        }
    }

    // UniPC (bh2, second order) with the same schedule: corrector and predictor in one pass.
    var unipcConfig = UniPCMultistepSchedulerConfiguration()
    unipcConfig.betaStart = 0.00085
    unipcConfig.betaEnd = 0.012
    unipcConfig.betaSchedule = .scaledLinear
    let unipc = try UniPCMultistepScheduler(config: unipcConfig)
    try reportSolverLoop("unipc_step", shape, samples: samples, steps: steps) {
        try unipc.setTimesteps(steps)
        for t in unipc.timesteps {
            try unipc.step(modelOutput: modelOutput, timestep: t, sample: sample, into: &out)
        }
    }

    latents = try freshLatents()
    try reportSolverLoop("unipc_step_inplace", shape, samples: samples, steps: steps) {
        try unipc.setTimesteps(steps)
        for t in unipc.timesteps {
            try unipc.step(modelOutput: modelOutput, timestep: t, sample: &latents)
        }
    }

    // Flow-matching Euler with SD3's shift.
    var flowConfig = FlowMatchEulerDiscreteSchedulerConfiguration()
    flowConfig.shift = 3
    let flow = try FlowMatchEulerDiscreteScheduler(config: flowConfig)
    try reportSolverLoop("flow_euler_step", shape, samples: samples, steps: steps) {
        try flow.setTimesteps(steps)
        for t in flow.timesteps {
            try flow.step(modelOutput: modelOutput, timestep: t, sample: sample, into: &out)
        }
    }
    latents = try freshLatents()
    try reportSolverLoop("flow_euler_step_inplace", shape, samples: samples, steps: steps) {
        try flow.setTimesteps(steps)
        for t in flow.timesteps {
            try flow.step(modelOutput: modelOutput, timestep: t, sample: &latents)
        }
    }
}
