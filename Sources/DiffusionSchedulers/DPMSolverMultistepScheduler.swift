import Foundation

/// diffusers' `DPMSolverMultistepScheduler`: DPM-Solver (arXiv 2206.00927) and DPM-Solver++
/// (arXiv 2211.01095), orders 1–3, ODE and SDE variants, option for option.
///
/// Matches `diffusers/schedulers/scheduling_dpmsolver_multistep.py` of diffusers 0.42.1.
/// Timesteps and sigmas are bit-identical (the sigma conversions run in float64 as numpy
/// does; Beta-sigma quantiles agree with scipy to a few units of 2⁻⁵³). Each step keeps
/// torch's float32 operation order in one fused pass; the scalar coefficients use torch's
/// `exp`/`log`, which on the reference build are MKL kernels reproduced to within one ulp
/// (see ``TorchMath``), so whole sampling loops agree with diffusers to about 1e-7.
/// The SDE variants draw the same `randn` as diffusers from a seeded ``TorchGenerator``.
///
/// Like its Python original it is stateful: each `step` consumes the next timestep and keeps
/// the last `solver_order` converted model outputs.
public final class DPMSolverMultistepScheduler {
    /// The options this scheduler was built from (`flowShift` changes when `mu` is passed, as in diffusers).
    public private(set) var config: DPMSolverMultistepSchedulerConfiguration
    /// βₜ, αₜ and ᾱₜ for the T training timesteps (before the zero-SNR floor).
    public let schedule: NoiseSchedule
    /// The integer timesteps of the schedule, descending; all T of them until `setTimesteps` is called.
    public private(set) var timesteps: [Int]
    /// σ for each timestep plus the final sigma (`timesteps.count + 1` values once `setTimesteps` ran).
    public private(set) var sigmas: [Float]
    /// The number of inference steps of the last `setTimesteps`, or nil.
    public private(set) var numInferenceSteps: Int?
    /// The standard deviation of the initial noise, 1 for this VP scheduler.
    public let initNoiseSigma: Float = 1
    /// diffusers' `order`: one model evaluation per step.
    public let order = 1
    /// How many steps ran since `setTimesteps`, capped at `solver_order` (diffusers' `lower_order_nums`).
    public private(set) var lowerOrderNums = 0

    let table: TrainingSigmas
    /// √ᾱₜ, √(1 − ᾱₜ) and λₜ = log αₜ − log σₜ over the training timesteps (diffusers' `alpha_t`, `sigma_t`, `lambda_t`).
    public let alphaT: [Float], sigmaT: [Float], lambdaT: [Float]
    private var index = StepIndex()
    /// The last `solver_order` converted model outputs, oldest first (diffusers' `model_outputs`).
    private var history: [Tensor?]
    /// History storage from before the last `setTimesteps`, reused so repeated sampling does not allocate.
    private var spare: [Tensor] = []
    private var noiseBuffer: [Float] = []
    /// The instruction-set level of the step kernels (tests lower it to compare levels).
    var kernelLevel = KernelLevel.active
    /// The outputs the returning `step` handed out, whose storage later steps reuse once released.
    var recycler = OutputRecycler()

    /// Builds the scheduler; throws when an option is out of range or options conflict.
    public init(
        config: DPMSolverMultistepSchedulerConfiguration = DPMSolverMultistepSchedulerConfiguration()
    ) throws(SchedulerError) {
        try config.validate()
        self.config = config
        schedule = try config.noiseSchedule()
        table = TrainingSigmas(schedule: schedule, floorTerminalAlpha: config.rescaleBetasZeroSnr)
        alphaT = table.alphasCumprod.map { TorchNumerics.sqrt($0) }
        sigmaT = table.alphasCumprod.map { TorchNumerics.sqrt(1 - $0) }
        lambdaT = zip(alphaT, sigmaT).map { TorchMath.log($0) - TorchMath.log($1) }
        timesteps = Array((0..<config.numTrainTimesteps).reversed())
        sigmas = table.sigmas
        history = Array(repeating: nil, count: config.solverOrder)
    }

    /// ᾱₜ as the scheduler uses it (2⁻²⁴ at the end after a zero-SNR rescale).
    public var alphasCumprod: [Float] { table.alphasCumprod }
    /// The index of the next step, or nil before the first step.
    public var stepIndex: Int? { index.current }
    /// The begin index set by `setBeginIndex`, or nil.
    public var beginIndex: Int? { index.begin }

    /// `set_begin_index`: the first step starts at this index (img2img) instead of looking its timestep up.
    public func setBeginIndex(_ beginIndex: Int = 0) throws(SchedulerError) {
        try StepIndex.validateBegin(beginIndex, count: max(timesteps.count, 1))
        index.begin = beginIndex
    }

    /// `set_timesteps(num_inference_steps, mu=None)`.
    ///
    /// - Parameter mu: with `use_dynamic_shifting`, sets `flow_shift` to e^μ (kept for later calls, as in diffusers).
    public func setTimesteps(_ numInferenceSteps: Int, mu: Double? = nil) throws(SchedulerError) {
        try applyMu(mu)
        guard numInferenceSteps >= 1 else {
            throw SchedulerError(
                key: "num_inference_steps", message: "num_inference_steps must be at least 1, not \(numInferenceSteps)")
        }
        let t = config.numTrainTimesteps
        let last = t - clippedCount()
        guard last >= 1 else {
            throw SchedulerError(
                key: "lambda_min_clipped", message: "lambda_min_clipped \(config.lambdaMinClipped) leaves no usable timestep")
        }
        let spaced = config.timestepSpacing.solverTimesteps(
            numInferenceSteps: numInferenceSteps, numTrainTimesteps: t, last: last, leadingBase: last,
            trailingStart: last, stepsOffset: config.stepsOffset)
        try finishTimesteps(spaced, n: numInferenceSteps)
    }

    /// `set_timesteps(timesteps=[...])`: custom integer timesteps (not with Karras, Lu, exponential or beta sigmas).
    public func setTimesteps(timesteps custom: [Int], mu: Double? = nil) throws(SchedulerError) {
        try applyMu(mu)
        for (flag, key) in [
            (config.useKarrasSigmas, "use_karras_sigmas"), (config.useLuLambdas, "use_lu_lambdas"),
            (config.useExponentialSigmas, "use_exponential_sigmas"), (config.useBetaSigmas, "use_beta_sigmas"),
        ] where flag {
            throw SchedulerError(key: "timesteps", message: "cannot use custom timesteps with \(key)")
        }
        guard !custom.isEmpty else { throw SchedulerError(key: "timesteps", message: "custom timesteps must not be empty") }
        try finishTimesteps(custom, n: custom.count)
    }

    private func applyMu(_ mu: Double?) throws(SchedulerError) {
        guard let mu else { return }
        guard config.useDynamicShifting, config.timeShiftType == .exponential else {
            throw SchedulerError(
                key: "mu", message: "mu needs use_dynamic_shifting with time_shift_type 'exponential'")
        }
        guard mu.isFinite else { throw SchedulerError(key: "mu", message: "mu must be finite, not \(mu)") }
        config.flowShift = Foundation.exp(mu)
    }

    /// `torch.searchsorted(torch.flip(lambda_t), lambda_min_clipped)`: how many λ lie below the clip.
    private func clippedCount() -> Int {
        let clip = Float(config.lambdaMinClipped)
        return lambdaT.reduce(0) { $0 + ($1 < clip ? 1 : 0) }
    }

    private func finishTimesteps(_ spaced: [Int], n: Int) throws(SchedulerError) {
        let t = config.numTrainTimesteps
        var timesteps = spaced
        var sigmas: [Double]
        let roundsConverted = config.betaSchedule != .squaredcosCapV2
        if let spacing = try config.sigmaSpacing() {
            let converted = SolverSigmaSpacing.convert(
                spacing, table: table, count: n, round: spacing == .karras && roundsConverted)
            sigmas = converted.sigmas
            timesteps = SolverSigmaSpacing.int64(converted.timesteps)
        } else if config.useLuLambdas {
            let lambdas = SigmaConversion.lu(
                lambdaMin: Double(table.logSigmas[0]), lambdaMax: Double(table.logSigmas[t - 1]), count: n)
            sigmas = lambdas.map { Foundation.exp($0) }
            timesteps = SolverSigmaSpacing.int64(sigmas.map { sigma in
                let value = table.timestep(forSigma: sigma)
                return roundsConverted ? value.rounded(.toNearestOrEven) : value
            })
        } else if config.useFlowSigmas {
            let shift = config.flowShift
            let alphas = TorchNumerics.numpyLinspace(1, 1 / Double(t), count: n + 1)
            sigmas = Array(alphas.map { FlowShift.shifted(1.0 - $0, shift: shift) }.reversed().dropLast())
            timesteps = SolverSigmaSpacing.int64(sigmas.map { $0 * Double(t) })
        } else {
            sigmas = timesteps.map { NumpyMath.interpOverIndices(Double($0), table.sigmas) }
        }
        let last: Double = config.finalSigmasType == .sigmaMin ? Double(table.smallest) : 0
        self.sigmas = (sigmas + [last]).map { Float($0) }
        self.timesteps = timesteps
        numInferenceSteps = timesteps.count
        spare += history.compactMap { $0 }
        history = Array(repeating: nil, count: config.solverOrder)
        lowerOrderNums = 0
        index.reset()
    }

    /// `_sigma_to_alpha_sigma_t`: (αₜ, σₜ) of the VP (or flow) process at noise level σ.
    func alphaSigma(_ sigma: Float) -> (alpha: Float, sigma: Float) {
        SigmaConversion.alphaSigma(sigma, flow: config.useFlowSigmas)
    }

    /// λ = log α − log σ at noise level σ.
    private func lambda(_ alphaSigma: (alpha: Float, sigma: Float)) -> Float { SigmaConversion.lambda(alphaSigma) }

    /// `scale_model_input`: the identity for DPM-Solver.
    public func scaleModelInput(_ sample: Tensor, timestep: Int) -> Tensor { sample }

    /// One DPM-Solver step from `timestep` (diffusers' `step`): converts the model output, then
    /// takes a first-, second- or third-order multistep update.
    ///
    /// The SDE variants add `randn(sample.shape)` from `generator` (or `varianceNoise`) every step.
    public func step(
        modelOutput: Tensor, timestep: Int, sample: Tensor, generator: TorchGenerator? = nil,
        varianceNoise: Tensor? = nil
    ) throws(SchedulerError) -> StepOutput {
        var prev = recycler.take()
        try step(
            modelOutput: modelOutput, timestep: timestep, sample: sample, generator: generator,
            varianceNoise: varianceNoise, into: &prev)
        return StepOutput(prevSample: recycler.handOut(prev))
    }

    /// `step` writing the next sample into `prevSample`, reusing its storage when it has the
    /// sample's size: with the history buffers recycled too, a loop allocates nothing per step.
    public func step(
        modelOutput: Tensor, timestep: Int, sample: Tensor, generator: TorchGenerator? = nil,
        varianceNoise: Tensor? = nil, into prevSample: inout Tensor
    ) throws(SchedulerError) {
        try advance(
            modelOutput: modelOutput, timestep: timestep, shape: sample.shape, count: sample.count,
            generator: generator, varianceNoise: varianceNoise
        ) { body in sample.withStepStorage(into: &prevSample, body) }
    }

    /// The step in place: `sample` becomes x_{t−1}, with no second buffer (each element is read
    /// before it is written); the fastest form for a sampling loop.
    public func step(
        modelOutput: Tensor, timestep: Int, sample: inout Tensor, generator: TorchGenerator? = nil,
        varianceNoise: Tensor? = nil
    ) throws(SchedulerError) {
        let shape = sample.shape, count = sample.count
        try advance(
            modelOutput: modelOutput, timestep: timestep, shape: shape, count: count, generator: generator,
            varianceNoise: varianceNoise
        ) { body in sample.withInPlaceStepStorage(body) }
    }

    /// The step with the sample and output storage supplied by `buffers` (which may be the same).
    private func advance(
        modelOutput: Tensor, timestep: Int, shape: [Int], count: Int, generator: TorchGenerator?,
        varianceNoise: Tensor?,
        buffers: ((UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> Void
    ) throws(SchedulerError) {
        guard numInferenceSteps != nil else {
            throw SchedulerError(
                key: "num_inference_steps", message: "number of inference steps is not set; call setTimesteps first")
        }
        let timesteps = self.timesteps
        let i = try index.resolve { () throws(SchedulerError) -> Int in
            try StepIndex.index(of: Double(timestep), in: timesteps, missing: .lastIndex) { Double($0) }
        }
        guard i + 1 < sigmas.count else {
            throw StepIndex.pastTheEnd(i, timesteps: timesteps.map(Double.init))
        }
        let layout = try SolverLayout(
            modelOutput: modelOutput, sampleShape: shape, sampleCount: count,
            slicesVarianceChannels: slicesVarianceChannels)
        let stochastic = config.algorithmType.isStochastic

        let order = stepOrder(at: i, lowerOrderNums: lowerOrderNums)
        // diffusers converts the model output, then draws the noise, then updates.
        let conversion = try modelConversion(at: i)
        if stochastic {
            try drawNoise(count: count, shape: shape, generator: generator, varianceNoise: varianceNoise)
        }
        // One source of truth: the kernel runs on the scalars `stepCoefficients` shows.
        let coefficients = try self.coefficients(order: order, at: i).multistep

        // Rotate the history: the oldest output's storage receives the new one.
        let solverOrder = config.solverOrder
        var converted = history[0] ?? spare.popLast() ?? Tensor.empty
        history[0] = nil
        converted.prepare(shape: shape, count: count)
        let previous1 = solverOrder >= 2 ? history[solverOrder - 1] : nil
        let previous2 = solverOrder >= 3 ? history[solverOrder - 2] : nil
        if order >= 2, previous1?.count != count || (order == 3 && previous2?.count != count) {
            throw SchedulerError(key: "sample", message: "sample size changed between steps")
        }

        let threshold = config.thresholding
            ? (ratio: config.dynamicThresholdingRatio, maxValue: config.sampleMaxValue) : nil
        let empty: [Float] = []
        buffers { x, out in
            modelOutput.scalars.withUnsafeBufferPointer { m in
                (previous1?.scalars ?? empty).withUnsafeBufferPointer { p1 in
                    (previous2?.scalars ?? empty).withUnsafeBufferPointer { p2 in
                        noiseBuffer.withUnsafeBufferPointer { noise in
                            converted.scalars.withUnsafeMutableBufferPointer { c in
                                do {
                                    guard let m = m.baseAddress, let c = c.baseAddress else { return }
                                    let noisePointer = stochastic ? noise.baseAddress : nil
                                    if let threshold {
                                        thresholdedUpdate(
                                            conversion, coefficients, layout, threshold: threshold, at: i,
                                            x: x, m: m, p1: p1.baseAddress, p2: p2.baseAddress, noise: noisePointer,
                                            c: c, out: out)
                                        return
                                    }
                                    for b in 0..<(layout.isContiguous ? 1 : layout.batch) {
                                        let run = layout.isContiguous ? count : layout.itemCount
                                        let offset = b * layout.itemCount
                                        ExponentialIntegratorKernel.multistep(
                                            conversion, coefficients,
                                            SolverBuffers(
                                                count: run, sample: x + offset, model: m + b * layout.modelStride,
                                                previous1: p1.baseAddress.map { $0 + offset },
                                                previous2: p2.baseAddress.map { $0 + offset },
                                                noise: noisePointer.map { $0 + offset },
                                                converted: c + offset, output: out + offset),
                                            level: kernelLevel)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        for k in 0..<(solverOrder - 1) { history[k] = history[k + 1] }
        history[solverOrder - 1] = converted
        lowerOrderNums = min(lowerOrderNums + 1, solverOrder)
        index.current = i + 1
    }

    /// Thresholding needs the quantile of the whole x₀ first: convert, threshold, then update.
    private func thresholdedUpdate(
        _ conversion: ModelConversion, _ coefficients: MultistepCoefficients, _ layout: SolverLayout,
        threshold: (ratio: Double, maxValue: Double), at i: Int,
        x: UnsafePointer<Float>, m: UnsafePointer<Float>, p1: UnsafePointer<Float>?, p2: UnsafePointer<Float>?,
        noise: UnsafePointer<Float>?, c: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>
    ) {
        let items = layout.itemCount
        let (alpha, sigma) = alphaSigma(sigmas[i])
        let predictsData = config.algorithmType.predictsData
        for b in 0..<layout.batch {
            for j in 0..<items {
                let k = b * items + j
                let value = conversion.apply(x[k], m[b * layout.modelStride + j])
                // DPM-Solver (ε): threshold x₀ = (x − σ·ε)/α, then rebuild ε from it.
                c[k] = predictsData ? value : (x[k] - sigma * value) / alpha
            }
        }
        DynamicThresholding.apply(
            UnsafeMutableBufferPointer(start: c, count: layout.batch * items), batch: layout.batch,
            ratio: threshold.ratio, maxValue: threshold.maxValue)
        if !predictsData {
            for k in 0..<(layout.batch * items) { c[k] = (x[k] - alpha * c[k]) / sigma }
        }
        ExponentialIntegratorKernel.multistep(
            .identity, coefficients,
            SolverBuffers(
                count: layout.batch * items, sample: x, model: UnsafePointer(c), previous1: p1, previous2: p2,
                noise: noise, converted: c, output: out),
            level: kernelLevel)
    }

    private var slicesVarianceChannels: Bool {
        (config.varianceType == .learned || config.varianceType == .learnedRange) && config.predictionType == .epsilon
    }

    /// `convert_model_output` as an element map: x₀ for the `++` algorithms, ε otherwise.
    private func modelConversion(at i: Int) throws(SchedulerError) -> ModelConversion {
        let sigma = sigmas[i]
        return try .dpmSolver(
            algorithmType: config.algorithmType, predictionType: config.predictionType, sigma: sigma,
            alphaSigma: alphaSigma(sigma))
    }

    /// The order of step `i` given how many steps ran (diffusers' `lower_order_nums`): lowered
    /// while earlier outputs are missing, and at the end by `lower_order_final` (fewer than 15
    /// steps), `euler_at_final` or a zero final sigma.
    private func stepOrder(at i: Int, lowerOrderNums: Int) -> Int {
        let n = timesteps.count
        let final = (i == n - 1)
            && (config.eulerAtFinal || (config.lowerOrderFinal && n < 15) || config.finalSigmasType == .zero)
        let secondLast = (i == n - 2) && config.lowerOrderFinal && n < 15
        if config.solverOrder == 1 || lowerOrderNums < 1 || final { return 1 }
        if config.solverOrder == 2 || lowerOrderNums < 2 || secondLast { return 2 }
        return 3
    }

    /// The scalars step `stepIndex` uses when sampling runs from the first step after
    /// `setTimesteps` (so the warm-up lowers the order of the first steps): σ, α and λ at both
    /// ends, h, r₀, r₁, the order, and the weights of the update.
    public func stepCoefficients(stepIndex i: Int) throws(SchedulerError) -> DPMSolverStepCoefficients {
        guard numInferenceSteps != nil else {
            throw SchedulerError(
                key: "num_inference_steps", message: "number of inference steps is not set; call setTimesteps first")
        }
        guard i >= 0, i + 1 < sigmas.count else {
            throw SchedulerError(key: "step_index", message: "step \(i) is outside the \(timesteps.count) steps")
        }
        return try coefficients(order: stepOrder(at: i, lowerOrderNums: min(i, config.solverOrder)), at: i)
    }

    /// ``stepCoefficients(stepIndex:)`` of every step, in sampling order.
    public func stepPlan() throws(SchedulerError) -> [DPMSolverStepCoefficients] {
        var plan: [DPMSolverStepCoefficients] = []
        for i in timesteps.indices { plan.append(try stepCoefficients(stepIndex: i)) }
        return plan
    }

    /// The update's scalar coefficients, each a float32 0-dim tensor operation in diffusers.
    private func coefficients(order: Int, at i: Int) throws(SchedulerError) -> DPMSolverStepCoefficients {
        let t = alphaSigma(sigmas[i + 1])
        let s0 = alphaSigma(sigmas[i])
        let lambdaT = lambda(t)
        let lambdaS0 = lambda(s0)
        let h = lambdaT - lambdaS0
        let (alphaT, sigmaT) = t
        let ends = DPMSolverStepCoefficients.Ends(
            sigmaS: sigmas[i], sigmaT: sigmas[i + 1], s: s0, t: t, lambdaS: lambdaS0, lambdaT: lambdaT, h: h)
        let algorithm = config.algorithmType
        let noiseScale: Float? = switch algorithm {
        case .sdeDpmsolverPlusPlus: sigmaT * TorchMath.sqrt(1.0 - TorchMath.exp(-2 * h))
        case .sdeDpmsolver: sigmaT * TorchMath.sqrt(TorchMath.exp(2 * h) - 1.0)
        default: nil
        }
        // The sample coefficient and the D0 coefficient (negated where diffusers subtracts).
        let a: Float, b: Float
        switch algorithm {
        case .dpmsolverPlusPlus:
            a = sigmaT / s0.sigma
            b = -(alphaT * (TorchMath.exp(-h) - 1.0))
        case .dpmsolver:
            a = alphaT / s0.alpha
            b = -(sigmaT * (TorchMath.exp(h) - 1.0))
        case .sdeDpmsolverPlusPlus:
            a = sigmaT / s0.sigma * TorchMath.exp(-h)
            b = alphaT * (1 - TorchMath.exp(-2.0 * h))
        case .sdeDpmsolver:
            a = alphaT / s0.alpha
            b = -(2.0 * (sigmaT * (TorchMath.exp(h) - 1.0)))
        }
        if order == 1 {
            return DPMSolverStepCoefficients(
                stepIndex: i, order: 1, ends: ends, r0: nil, r1: nil, a: a, b: b, c1: nil, c2: nil, noise: noiseScale)
        }

        let s1 = alphaSigma(sigmas[i - 1])
        let lambdaS1 = lambda(s1)
        let h0 = lambdaS0 - lambdaS1
        let r0 = h0 / h
        if order == 2 {
            let c1: Float
            switch (algorithm, config.solverType) {
            case (.dpmsolverPlusPlus, .midpoint): c1 = -(0.5 * (alphaT * (TorchMath.exp(-h) - 1.0)))
            case (.dpmsolverPlusPlus, .heun): c1 = alphaT * ((TorchMath.exp(-h) - 1.0) / h + 1.0)
            case (.dpmsolver, .midpoint): c1 = -(0.5 * (sigmaT * (TorchMath.exp(h) - 1.0)))
            case (.dpmsolver, .heun): c1 = -(sigmaT * ((TorchMath.exp(h) - 1.0) / h - 1.0))
            case (.sdeDpmsolverPlusPlus, .midpoint): c1 = 0.5 * (alphaT * (1 - TorchMath.exp(-2.0 * h)))
            case (.sdeDpmsolverPlusPlus, .heun):
                c1 = alphaT * ((1.0 - TorchMath.exp(-2.0 * h)) / (-2.0 * h) + 1.0)
            case (.sdeDpmsolver, .midpoint): c1 = -(sigmaT * (TorchMath.exp(h) - 1.0))
            case (.sdeDpmsolver, .heun): c1 = -(2.0 * (sigmaT * ((TorchMath.exp(h) - 1.0) / h - 1.0)))
            }
            return DPMSolverStepCoefficients(
                stepIndex: i, order: 2, ends: ends, r0: r0, r1: nil, a: a, b: b, c1: c1, c2: nil, noise: noiseScale)
        }

        let s2 = alphaSigma(sigmas[i - 2])
        let lambdaS2 = lambda(s2)
        let h1 = lambdaS1 - lambdaS2
        let r1 = h1 / h
        let c1: Float, c2: Float
        switch algorithm {
        case .dpmsolverPlusPlus:
            c1 = alphaT * ((TorchMath.exp(-h) - 1.0) / h + 1.0)
            c2 = -(alphaT * ((TorchMath.exp(-h) - 1.0 + h) / (h * h) - 0.5))
        case .dpmsolver:
            c1 = -(sigmaT * ((TorchMath.exp(h) - 1.0) / h - 1.0))
            c2 = -(sigmaT * ((TorchMath.exp(h) - 1.0 - h) / (h * h) - 0.5))
        case .sdeDpmsolverPlusPlus:
            c1 = alphaT * ((1.0 - TorchMath.exp(-2.0 * h)) / (-2.0 * h) + 1.0)
            let twoH = 2.0 * h
            c2 = alphaT * ((1.0 - TorchMath.exp(-2.0 * h) - twoH) / (twoH * twoH) - 0.5)
        case .sdeDpmsolver:
            throw SchedulerError(
                key: "solver_order", message: "algorithm_type 'sde-dpmsolver' has no third-order update (diffusers fails here too); use solver_order 2")
        }
        return DPMSolverStepCoefficients(
            stepIndex: i, order: 3, ends: ends, r0: r0, r1: r1, a: a, b: b, c1: c1, c2: c2, noise: noiseScale)
    }

    private func drawNoise(
        count: Int, shape: [Int], generator: TorchGenerator?, varianceNoise: Tensor?
    ) throws(SchedulerError) {
        if noiseBuffer.count != count { noiseBuffer = Tensor.uninitializedScalars(count) }
        if let varianceNoise {
            guard varianceNoise.shape == shape else {
                throw SchedulerError(
                    key: "varianceNoise", message: "varianceNoise has shape \(varianceNoise.shape) but sample has shape \(shape)")
            }
            noiseBuffer = varianceNoise.scalars
        } else if let generator {
            noiseBuffer.withUnsafeMutableBufferPointer { generator.fillNormal($0) }
        } else {
            throw SchedulerError(
                key: "generator",
                message: "algorithm_type '\(config.algorithmType.rawValue)' draws noise every step; pass a generator or varianceNoise")
        }
    }

    /// `convert_model_output`: the x₀ (`++`) or ε estimate the solver integrates, thresholded if configured.
    ///
    /// Uses the sigma of the next step (call it before `step`, as diffusers' `step` does).
    public func convertModelOutput(_ modelOutput: Tensor, sample: Tensor) throws(SchedulerError) -> Tensor {
        guard numInferenceSteps != nil else {
            throw SchedulerError(
                key: "num_inference_steps", message: "number of inference steps is not set; call setTimesteps first")
        }
        let i = index.current ?? index.begin ?? 0
        guard i < sigmas.count else { throw SchedulerError(key: "step_index", message: "no step left") }
        let layout = try SolverLayout(
            modelOutput: modelOutput, sample: sample, slicesVarianceChannels: slicesVarianceChannels)
        let conversion = try modelConversion(at: i)
        var values = [Float](repeating: 0, count: sample.count)
        for b in 0..<layout.batch {
            for j in 0..<layout.itemCount {
                let k = b * layout.itemCount + j
                values[k] = conversion.apply(sample.scalars[k], modelOutput.scalars[b * layout.modelStride + j])
            }
        }
        if config.thresholding {
            let (alpha, sigma) = alphaSigma(sigmas[i])
            let predictsData = config.algorithmType.predictsData
            if !predictsData { for k in values.indices { values[k] = (sample.scalars[k] - sigma * values[k]) / alpha } }
            values.withUnsafeMutableBufferPointer {
                DynamicThresholding.apply(
                    $0, batch: layout.batch, ratio: config.dynamicThresholdingRatio, maxValue: config.sampleMaxValue)
            }
            if !predictsData {
                for k in values.indices { values[k] = (sample.scalars[k] - alpha * values[k]) / sigma }
            }
        }
        return Tensor(uncheckedShape: sample.shape, scalars: values)
    }

    /// `add_noise`: αₜ·x₀ + σₜ·ε at the sigma of each timestep (one, or one per batch item).
    public func addNoise(originalSamples: Tensor, noise: Tensor, timesteps: [Int]) throws(SchedulerError) -> Tensor {
        try originalSamples.checkSameShape(as: noise, "originalSamples", "noise")
        let schedule = self.timesteps
        let indices = try SolverForwardProcess.stepIndices(
            timesteps.map(Double.init), index: index, count: originalSamples.shape.first ?? 1
        ) { (t: Double) throws(SchedulerError) -> Int in
            try StepIndex.index(of: t, in: schedule, missing: .lastIndex) { Double($0) }
        }
        let scales = try indices.map { (i: Int) throws(SchedulerError) -> (Float, Float) in
            guard i < sigmas.count else { throw SchedulerError(key: "timesteps", message: "step index \(i) is out of range") }
            let (alpha, sigma) = alphaSigma(sigmas[i])
            return (alpha, sigma)
        }
        return ForwardProcess.combine(originalSamples, noise, scales: scales, subtract: false)
    }
}

/// The step-index choice of the sigma-indexed `add_noise` / `scale_noise`.
enum SolverForwardProcess {
    /// Per batch item: the looked-up index when no begin index is set, else the current step
    /// index (inpainting, after the first step) or the begin index (img2img, before it).
    static func stepIndices(
        _ timesteps: [Double], index: StepIndex, count batch: Int,
        lookup: (Double) throws(SchedulerError) -> Int
    ) throws(SchedulerError) -> [Int] {
        guard timesteps.count == 1 || timesteps.count == batch else {
            throw SchedulerError(
                key: "timesteps",
                message: "got \(timesteps.count) timesteps for a batch of \(batch); pass one or one per batch item")
        }
        if index.begin == nil {
            var result: [Int] = []
            for t in timesteps { result.append(try lookup(t)) }
            return result
        }
        return Array(repeating: index.current ?? index.begin!, count: timesteps.count)
    }
}

extension DPMSolverMultistepScheduler: StepIndexedScheduler {
    /// `"DPMSolverMultistepScheduler"`.
    public static var className: String { DPMSolverMultistepSchedulerConfiguration.className }
    /// The configuration as diffusers' keys.
    public var configValues: [String: ConfigValue] { config.values }
    /// The integer timesteps as numbers.
    public var timestepValues: [Double] { timesteps.map(Double.init) }
    /// `set_timesteps(n)`.
    public func setTimesteps(_ numInferenceSteps: Int) throws(SchedulerError) {
        try setTimesteps(numInferenceSteps, mu: nil)
    }
    /// The identity.
    public func scaleModelInput(_ sample: Tensor, timestep: Double) throws(SchedulerError) -> Tensor { sample }
    /// `step` at an integer timestep.
    public func step(
        modelOutput: Tensor, timestep: Double, sample: Tensor, generator: TorchGenerator?
    ) throws(SchedulerError) -> StepOutput {
        try step(modelOutput: modelOutput, timestep: try integerTimestep(timestep), sample: sample, generator: generator)
    }
}
