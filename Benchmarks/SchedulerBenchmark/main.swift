// Times DiffusionSchedulers' steps and randn on Stable-Diffusion-sized Float32 latents, one thread.
//
// Run through Benchmarks/run-scheduler-bench.sh, which also times the C memory-bound floor
// and (optionally) diffusers + torch on the same shapes and prints the ratios. Each result
// line is `name<TAB>shape<TAB>median microseconds<TAB>samples`.
import DiffusionSchedulers
import Foundation

/// Median wall time of `body` in microseconds over `samples` runs, each averaging `repeats` calls.
func medianMicroseconds(samples: Int, repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    for _ in 0..<max(2, samples / 10) { try body() }  // warm caches and the allocator
    var times: [Double] = []
    times.reserveCapacity(samples)
    for _ in 0..<samples {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<repeats { try body() }
        let end = DispatchTime.now().uptimeNanoseconds
        times.append(Double(end - start) / 1000 / Double(repeats))
    }
    times.sort()
    return times[times.count / 2]
}

/// A deterministic latent-like tensor (values in [-1, 1)).
func latent(_ shape: [Int], seed: UInt64) throws -> Tensor {
    let count = shape.reduce(1, *)
    let values = TorchGenerator(seed: seed).randn(count: count).map { max(-1, min(1, $0 / 3)) }
    return try Tensor(shape: shape, scalars: values)
}

func report(_ name: String, _ shape: [Int], _ micros: Double, _ samples: Int) {
    print("\(name)\t\(shape.map(String.init).joined(separator: "x"))\t\(String(format: "%.3f", micros))\t\(samples)")

}

let shapes = [[1, 4, 64, 64], [1, 4, 128, 128], [1, 16, 128, 128]]
let samples = Int(ProcessInfo.processInfo.environment["BENCH_SAMPLES"] ?? "") ?? 200
// Which instruction-set variant of the kernels ran (DIFFUSION_SCHEDULERS_CPU can lower it).
print("# kernels\t\(KernelLevel.active.name)")

do {
    for shape in shapes {
        let sample = try latent(shape, seed: 1)
        let modelOutput = try latent(shape, seed: 2)

        let ddim = try DDIMScheduler(config: {
            var c = DDIMSchedulerConfiguration()
            c.betaStart = 0.00085; c.betaEnd = 0.012; c.betaSchedule = .scaledLinear
            c.clipSample = false; c.setAlphaToOne = false; c.stepsOffset = 1
            return c
        }())
        try ddim.setTimesteps(50)
        let t = ddim.timesteps[25]
        var reused = try ddim.step(modelOutput: modelOutput, timestep: t, sample: sample)
        report("ddim_step_eta0", shape, try medianMicroseconds(samples: samples, repeats: 5) {
            try ddim.step(modelOutput: modelOutput, timestep: t, sample: sample, into: &reused)
        }, samples)
        report("ddim_step_eta0_alloc", shape, try medianMicroseconds(samples: samples, repeats: 5) {
            _ = try ddim.step(modelOutput: modelOutput, timestep: t, sample: sample)
        }, samples)
        // In place on one latent, step after step. clip_sample keeps the repeated values bounded;
        // the kernel clamps either way (±∞ when off), so the work is the same as above.
        let clippedDDIM = try DDIMScheduler(config: {
            var c = ddim.config
            c.clipSample = true
            return c
        }())
        try clippedDDIM.setTimesteps(50)
        var latents = sample
        try clippedDDIM.step(modelOutput: modelOutput, timestep: t, sample: &latents)  // now uniquely owned
        report("ddim_step_eta0_inplace", shape, try medianMicroseconds(samples: samples, repeats: 5) {
            try clippedDDIM.step(modelOutput: modelOutput, timestep: t, sample: &latents)
        }, samples)

        let ddpm = try DDPMScheduler(config: DDPMSchedulerConfiguration())
        try ddpm.setTimesteps(50)
        let generator = TorchGenerator(seed: 0)
        let tp = ddpm.timesteps[25]
        var ddpmReused = try ddpm.step(modelOutput: modelOutput, timestep: tp, sample: sample, generator: generator)
        report("ddpm_step", shape, try medianMicroseconds(samples: samples, repeats: 1) {
            try ddpm.step(modelOutput: modelOutput, timestep: tp, sample: sample, generator: generator, into: &ddpmReused)
        }, samples)
        report("ddpm_step_alloc", shape, try medianMicroseconds(samples: samples, repeats: 1) {
            _ = try ddpm.step(modelOutput: modelOutput, timestep: tp, sample: sample, generator: generator)
        }, samples)
        report("ddpm_step_inplace", shape, try medianMicroseconds(samples: samples, repeats: 1) {
            try ddpm.step(modelOutput: modelOutput, timestep: tp, sample: &latents, generator: generator)
        }, samples)
        let noise = try latent(shape, seed: 3)
        report("randn", shape, medianMicroseconds(samples: samples, repeats: 1) {
            _ = generator.randn(count: noise.count)
        }, samples)

        // 50-step loops in place, as a sampling loop would run them; the "model" output is fixed,
        // so only the scheduler is timed. Each loop starts from the caller's sample, so its first
        // step copies it once (the caller still holds it).
        let loopSamples = max(5, samples / 10)
        report("ddim_loop_50", shape, try medianMicroseconds(samples: loopSamples, repeats: 1) {
            var x = sample
            for step in ddim.timesteps {
                try ddim.step(modelOutput: modelOutput, timestep: step, sample: &x)
            }
        }, loopSamples)
        report("ddpm_loop_50", shape, try medianMicroseconds(samples: loopSamples, repeats: 1) {
            var x = sample
            for step in ddpm.timesteps {
                try ddpm.step(modelOutput: modelOutput, timestep: step, sample: &x, generator: generator)
            }
        }, loopSamples)

        try runSolverBenchmarks(shape: shape, samples: samples)
    }
} catch {
    FileHandle.standardError.write("benchmark failed: \(error)\n".data(using: .utf8)!)
    exit(1)
}
