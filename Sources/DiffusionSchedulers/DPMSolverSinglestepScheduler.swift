internal import CSchedulerKernels
import Foundation

/// diffusers' `DPMSolverSinglestepScheduler`: DPM-Solver / DPM-Solver++ in single-step form,
/// where each block of `solver_order` model evaluations advances from one anchor sample.
///
/// Matches `diffusers/schedulers/scheduling_dpmsolver_singlestep.py` of diffusers 0.42.1:
/// timesteps and sigmas are bit-identical (including `lambda_min_clipped`, Karras /
/// exponential / beta / flow sigmas and `mu`), the order list follows diffusers (with its
/// persistent switch to `lower_order_final`), and each step is one fused pass in torch's
/// float32 operation order; `sde-dpmsolver++` draws diffusers' `randn` every step.
/// diffusers fails for `dpmsolver` with `thresholding` (it indexes by a missing timestep); so
/// does this port, with an error.
public final class DPMSolverSinglestepScheduler {
    /// The options this scheduler was built from (`lowerOrderFinal` and `flowShift` change as in diffusers).
    public private(set) var config: DPMSolverSinglestepSchedulerConfiguration
    /// βₜ, αₜ and ᾱₜ for the T training timesteps.
    public let schedule: NoiseSchedule
    /// The integer timesteps of the schedule, descending.
    public private(set) var timesteps: [Int]
    /// σ for each timestep plus the final sigma.
    public private(set) var sigmas: [Float]
    /// The number of inference steps of the last `setTimesteps`, or nil.
    public private(set) var numInferenceSteps: Int?
    /// The solver order of each step (diffusers' `order_list`).
    public private(set) var orderList: [Int]
    /// The standard deviation of the initial noise, 1 for this VP scheduler.
    public let initNoiseSigma: Float = 1
    /// diffusers' `order`: one model evaluation per step.
    public let order = 1

    let table: TrainingSigmas
    /// λₜ over the training timesteps, for `lambda_min_clipped`.
    let lambdaT: [Float]
    private var index = StepIndex()
    private var history: [Tensor?]
    /// The sample at the start of the current block (diffusers' `self.sample`): a copy in the
    /// scheduler's own storage, made by the block's first step, so a loop may overwrite its sample.
    private var anchorBuffer: [Float] = []
    /// The element count of the anchor, or nil before the first block.
    private var anchorCount: Int?
    private var spare: [Tensor] = []
    private var noiseBuffer: [Float] = []
    /// The instruction-set level of the step kernels (tests lower it to compare levels).
    var kernelLevel = KernelLevel.active
    /// The outputs the returning `step` handed out, whose storage later steps reuse once released.
    var recycler = OutputRecycler()

    /// Builds the scheduler; throws when an option is out of range or options conflict.
    public init(
        config: DPMSolverSinglestepSchedulerConfiguration = DPMSolverSinglestepSchedulerConfiguration()
    ) throws(SchedulerError) {
        try config.validate()
        self.config = config
        schedule = try config.noiseSchedule()
        table = TrainingSigmas(schedule: schedule, floorTerminalAlpha: false)
        lambdaT = table.alphasCumprod.map {
            TorchMath.log(TorchNumerics.sqrt($0)) - TorchMath.log(TorchNumerics.sqrt(1 - $0))
        }
        timesteps = Array((0..<config.numTrainTimesteps).reversed())
        sigmas = table.sigmas
        history = Array(repeating: nil, count: config.solverOrder)
        orderList = Self.orderList(steps: config.numTrainTimesteps, config: config)
    }

    /// The index of the next step, or nil before the first step.
    public var stepIndex: Int? { index.current }
    /// The begin index set by `setBeginIndex`, or nil.
    public var beginIndex: Int? { index.begin }

    /// `set_begin_index`: the first step starts at this index (img2img) instead of looking its timestep up.
    public func setBeginIndex(_ beginIndex: Int = 0) throws(SchedulerError) {
        try StepIndex.validateBegin(beginIndex, count: max(timesteps.count, 1))
        index.begin = beginIndex
    }

    /// diffusers' `get_order_list(steps)`.
    static func orderList(steps: Int, config: DPMSolverSinglestepSchedulerConfiguration) -> [Int] {
        func repeated(_ block: [Int], _ times: Int) -> [Int] { Array(repeating: block, count: max(times, 0)).flatMap { $0 } }
        var orders: [Int]
        switch (config.lowerOrderFinal, config.solverOrder) {
        case (true, 3):
            switch steps % 3 {
            case 0: orders = repeated([1, 2, 3], steps / 3 - 1) + [1, 2] + [1]
            case 1: orders = repeated([1, 2, 3], steps / 3) + [1]
            default: orders = repeated([1, 2, 3], steps / 3) + [1, 2]
            }
        case (true, 2):
            orders = steps % 2 == 0 ? repeated([1, 2], steps / 2 - 1) + [1, 1] : repeated([1, 2], steps / 2) + [1]
        case (false, 3): orders = repeated([1, 2, 3], steps / 3)
        case (false, 2): orders = repeated([1, 2], steps / 2)
        default: orders = Array(repeating: 1, count: steps)
        }
        if config.finalSigmasType == .zero, !orders.isEmpty { orders[orders.count - 1] = 1 }
        return orders
    }

    /// `set_timesteps(num_inference_steps, mu=None)`.
    public func setTimesteps(_ numInferenceSteps: Int, mu: Double? = nil) throws(SchedulerError) {
        try applyMu(mu)
        try SolverSteps.validate(numInferenceSteps, limit: .max)
        let t = config.numTrainTimesteps
        let clip = Float(config.lambdaMinClipped)
        let clipped = lambdaT.reduce(0) { $0 + ($1 < clip ? 1 : 0) }
        let spaced = Array(
            TorchNumerics.numpyLinspace(0, Double(t - 1 - clipped), count: numInferenceSteps + 1)
                .map { Int($0.rounded(.toNearestOrEven)) }.reversed().dropLast())
        try finish(spaced, n: numInferenceSteps)
    }

    /// `set_timesteps(timesteps=[...])`: custom integer timesteps (not with Karras, exponential or beta sigmas).
    public func setTimesteps(timesteps custom: [Int], mu: Double? = nil) throws(SchedulerError) {
        try applyMu(mu)
        if try config.sigmaSpacing() != nil {
            throw SchedulerError(key: "timesteps", message: "cannot use custom timesteps with Karras, exponential or beta sigmas")
        }
        guard !custom.isEmpty else { throw SchedulerError(key: "timesteps", message: "custom timesteps must not be empty") }
        try finish(custom, n: custom.count)
    }

    private func applyMu(_ mu: Double?) throws(SchedulerError) {
        guard let mu else { return }
        guard config.useDynamicShifting, config.timeShiftType == .exponential else {
            throw SchedulerError(key: "mu", message: "mu needs use_dynamic_shifting with time_shift_type 'exponential'")
        }
        guard mu.isFinite else { throw SchedulerError(key: "mu", message: "mu must be finite, not \(mu)") }
        config.flowShift = Foundation.exp(mu)
    }

    private func finish(_ spaced: [Int], n: Int) throws(SchedulerError) {
        let t = config.numTrainTimesteps
        var timesteps = spaced
        var sigmas: [Double]
        if let spacing = try config.sigmaSpacing() {
            let converted = SolverSigmaSpacing.convert(spacing, table: table, count: n, round: spacing == .karras)
            sigmas = converted.sigmas
            timesteps = SolverSigmaSpacing.int64(converted.timesteps)
        } else if config.useFlowSigmas {
            let alphas = TorchNumerics.numpyLinspace(1, 1 / Double(t), count: n + 1)
            sigmas = Array(alphas.map { FlowShift.shifted(1.0 - $0, shift: config.flowShift) }.reversed().dropLast())
            timesteps = SolverSigmaSpacing.int64(sigmas.map { $0 * Double(t) })
        } else {
            sigmas = timesteps.map { NumpyMath.interpOverIndices(Double($0), table.sigmas) }
        }
        let last: Double = config.finalSigmasType == .sigmaMin ? Double(table.smallest) : 0
        self.sigmas = (sigmas + [last]).map { Float($0) }
        self.timesteps = timesteps
        numInferenceSteps = n
        spare += history.compactMap { $0 }
        history = Array(repeating: nil, count: config.solverOrder)
        anchorCount = nil
        // diffusers switches lower_order_final on for uneven step counts and for a zero final sigma, for good.
        if !config.lowerOrderFinal && n % config.solverOrder != 0 { config.lowerOrderFinal = true }
        if !config.lowerOrderFinal && config.finalSigmasType == .zero { config.lowerOrderFinal = true }
        orderList = Self.orderList(steps: n, config: config)
        index.reset()
    }

    /// `_sigma_to_alpha_sigma_t`.
    func alphaSigma(_ sigma: Float) -> (alpha: Float, sigma: Float) {
        SigmaConversion.alphaSigma(sigma, flow: config.useFlowSigmas)
    }

    private func lambda(_ sigma: Float) -> Float { SigmaConversion.lambda(alphaSigma(sigma)) }

    /// `scale_model_input`: the identity.
    public func scaleModelInput(_ sample: Tensor, timestep: Int) -> Tensor { sample }

    /// One step (diffusers' `step`): the order comes from the order list, lowered while earlier
    /// outputs are missing; a first-order step starts a new block at `sample`.
    public func step(
        modelOutput: Tensor, timestep: Int, sample: Tensor, generator: TorchGenerator? = nil
    ) throws(SchedulerError) -> StepOutput {
        var prev = recycler.take()
        try step(modelOutput: modelOutput, timestep: timestep, sample: sample, generator: generator, into: &prev)
        return StepOutput(prevSample: recycler.handOut(prev))
    }

    /// `step` writing into `prevSample`, reusing its storage when it has the sample's size: with
    /// the history and anchor buffers recycled too, a loop allocates nothing per step.
    public func step(
        modelOutput: Tensor, timestep: Int, sample: Tensor, generator: TorchGenerator? = nil,
        into prevSample: inout Tensor
    ) throws(SchedulerError) {
        try advance(
            modelOutput: modelOutput, timestep: timestep, shape: sample.shape, count: sample.count, generator: generator
        ) { body in sample.withStepStorage(into: &prevSample, body) }
    }

    /// The step in place: `sample` becomes x_{t−1}, with no second buffer (each element is read
    /// before it is written); the fastest form for a sampling loop.
    public func step(
        modelOutput: Tensor, timestep: Int, sample: inout Tensor, generator: TorchGenerator? = nil
    ) throws(SchedulerError) {
        try advance(
            modelOutput: modelOutput, timestep: timestep, shape: sample.shape, count: sample.count, generator: generator
        ) { body in sample.withInPlaceStepStorage(body) }
    }

    /// The step with the sample and output storage supplied by `buffers` (which may be the same).
    private func advance(
        modelOutput: Tensor, timestep: Int, shape: [Int], count: Int, generator: TorchGenerator?,
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
        guard i + 1 < sigmas.count, i < orderList.count else {
            throw StepIndex.pastTheEnd(i, timesteps: timesteps.map(Double.init))
        }
        let slices = (config.varianceType == .learned || config.varianceType == .learnedRange)
            && config.predictionType == .epsilon
        let layout = try SolverLayout(
            modelOutput: modelOutput, sampleShape: shape, sampleCount: count, slicesVarianceChannels: slices)
        let conversion = try modelConversion(at: i)
        if config.thresholding && !config.algorithmType.predictsData {
            throw SchedulerError(
                key: "thresholding",
                message: "thresholding with algorithm_type 'dpmsolver' fails in diffusers' DPMSolverSinglestepScheduler; use 'dpmsolver++'")
        }

        // Shift the history (the new output goes last), then pick the order.
        let solverOrder = config.solverOrder
        var converted = history[0] ?? spare.popLast() ?? Tensor.empty
        history[0] = nil
        converted.prepare(shape: shape, count: count)
        for k in 0..<(solverOrder - 1) { history[k] = history[k + 1] }
        history[solverOrder - 1] = nil

        let stochastic = config.algorithmType == .sdeDpmsolverPlusPlus
        if stochastic {
            guard let generator else {
                throw SchedulerError(
                    key: "generator", message: "algorithm_type 'sde-dpmsolver++' draws noise every step; pass a generator")
            }
            if noiseBuffer.count != count { noiseBuffer = Tensor.uninitializedScalars(count) }
            noiseBuffer.withUnsafeMutableBufferPointer { generator.fillNormal($0) }
        }
        var order = orderList[i]
        // history[-order] must exist; the newest slot is this step's output.
        while order > 1 && history[solverOrder - order] == nil { order -= 1 }
        // A block's first step starts from the sample itself and keeps a copy as the anchor.
        if order == 1 {
            if anchorBuffer.count != count { anchorBuffer = Tensor.uninitializedScalars(count) }
        } else if anchorCount != count {
            throw SchedulerError(key: "sample", message: "sample size changed within a block")
        }
        // One source of truth: the kernel runs on the scalars `stepCoefficients` shows.
        let coefficients = try self.coefficients(order: order, at: i).singlestep(heun: config.solverType == .heun)
        let m1 = order >= 2 ? history[solverOrder - 2] : nil
        let m2 = order >= 3 ? history[solverOrder - 3] : nil
        // Second order and third-order midpoint share one form; its base is the anchor's output.
        let base = order == 3 ? m2 : m1, middle = order == 3 && coefficients.heun ? m1 : nil

        let threshold = config.thresholding
            ? (ratio: config.dynamicThresholdingRatio, maxValue: config.sampleMaxValue) : nil
        let empty: [Float] = []
        buffers { x, out in
            modelOutput.scalars.withUnsafeBufferPointer { m in
                (base?.scalars ?? empty).withUnsafeBufferPointer { base in
                    (middle?.scalars ?? empty).withUnsafeBufferPointer { middle in
                        noiseBuffer.withUnsafeBufferPointer { noise in
                            anchorBuffer.withUnsafeMutableBufferPointer { anchor in
                                converted.scalars.withUnsafeMutableBufferPointer { c in
                                    guard let m = m.baseAddress, let c = c.baseAddress else { return }
                                    let stash = order == 1 ? anchor.baseAddress : nil
                                    let start = order == 1 ? nil : anchor.baseAddress.map { UnsafePointer($0) }
                                    let noise = stochastic ? noise.baseAddress : nil
                                    // The pass over `run` elements from `offset`, its model output from `model`.
                                    func pass(
                                        _ conversion: ModelConversion, _ offset: Int, _ run: Int, _ model: UnsafePointer<Float>
                                    ) {
                                        SinglestepKernel.run(
                                            conversion, coefficients,
                                            SinglestepBuffers(
                                                count: run, sample: x + offset, model: model,
                                                anchor: start.map { $0 + offset }, base: base.baseAddress.map { $0 + offset },
                                                middle: middle.baseAddress.map { $0 + offset }, noise: noise.map { $0 + offset },
                                                stash: stash.map { $0 + offset }, converted: c + offset, output: out + offset),
                                            level: kernelLevel)
                                    }
                                    guard let threshold else {
                                        for b in 0..<(layout.isContiguous ? 1 : layout.batch) {
                                            let run = layout.isContiguous ? count : layout.itemCount
                                            pass(conversion, b * layout.itemCount, run, m + b * layout.modelStride)
                                        }
                                        return
                                    }
                                    // Thresholding needs the quantile of the whole x₀ first: convert and
                                    // threshold into c, then run the pass on c as an identity conversion.
                                    for b in 0..<layout.batch {
                                        let offset = b * layout.itemCount
                                        SinglestepKernel.convert(
                                            conversion, layout.itemCount, x + offset, m + b * layout.modelStride,
                                            c + offset)
                                    }
                                    DynamicThresholding.apply(
                                        UnsafeMutableBufferPointer(start: c, count: count), batch: layout.batch,
                                        ratio: threshold.ratio, maxValue: threshold.maxValue)
                                    pass(.identity, 0, count, UnsafePointer(c))
                                }
                            }
                        }
                    }
                }
            }
        }
        history[solverOrder - 1] = converted
        if order == 1 { anchorCount = count }
        index.current = i + 1
    }

    /// `convert_model_output` as an element map: x₀ for the `++` algorithms, ε for `dpmsolver`.
    private func modelConversion(at i: Int) throws(SchedulerError) -> ModelConversion {
        let sigma = sigmas[i]
        return try .dpmSolver(
            algorithmType: config.algorithmType, predictionType: config.predictionType, sigma: sigma,
            alphaSigma: alphaSigma(sigma))
    }

    /// The scalars step `stepIndex` uses when sampling runs from the first step after
    /// `setTimesteps`: the order from `order_list` (lowered while the block's earlier outputs are
    /// missing), σ, α and λ at the block's anchor and at the end, h, r₀, r₁ and the update's weights.
    public func stepCoefficients(stepIndex i: Int) throws(SchedulerError) -> DPMSolverStepCoefficients {
        guard numInferenceSteps != nil else {
            throw SchedulerError(
                key: "num_inference_steps", message: "number of inference steps is not set; call setTimesteps first")
        }
        guard i >= 0, i + 1 < sigmas.count, i < orderList.count else {
            throw SchedulerError(key: "step_index", message: "step \(i) is outside the \(timesteps.count) steps")
        }
        // Step i has the outputs of steps 0…i−1 in its history, so order k needs i ≥ k − 1.
        return try coefficients(order: min(orderList[i], i + 1), at: i)
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
        let (alphaT, sigmaT) = t
        let lambdaT = TorchMath.log(alphaT) - TorchMath.log(sigmaT)
        // The anchor is at sigmas[i − order + 1].
        let s = alphaSigma(sigmas[i - order + 1])
        let lambdaS = TorchMath.log(s.alpha) - TorchMath.log(s.sigma)
        let h = lambdaT - lambdaS
        let ends = DPMSolverStepCoefficients.Ends(
            sigmaS: sigmas[i - order + 1], sigmaT: sigmas[i + 1], s: s, t: t, lambdaS: lambdaS, lambdaT: lambdaT, h: h)
        let algorithm = config.algorithmType
        let heun = config.solverType == .heun
        let a: Float, b: Float
        var noise: Float? = nil
        switch algorithm {
        case .dpmsolverPlusPlus:
            a = sigmaT / s.sigma
            b = -(alphaT * (TorchMath.exp(-h) - 1.0))
        case .dpmsolver:
            a = alphaT / s.alpha
            b = -(sigmaT * (TorchMath.exp(h) - 1.0))
        case .sdeDpmsolverPlusPlus:
            a = sigmaT / s.sigma * TorchMath.exp(-h)
            b = alphaT * (1 - TorchMath.exp(-2.0 * h))
            noise = sigmaT * TorchMath.sqrt(1.0 - TorchMath.exp(-2 * h))
        case .sdeDpmsolver:
            throw SchedulerError(key: "algorithm_type", message: "sde-dpmsolver is not implemented for this scheduler")
        }
        if order == 1 {
            return DPMSolverStepCoefficients(
                stepIndex: i, order: 1, ends: ends, r0: nil, r1: nil, a: a, b: b, c1: nil, c2: nil, noise: noise)
        }

        if order == 2 {
            // s0 = sigmas[i], s1 = sigmas[i − 1] (the anchor).
            let lambdaS0 = lambda(sigmas[i])
            let r0 = (lambdaS0 - lambdaS) / h
            let c1: Float
            switch (algorithm, heun) {
            case (.dpmsolverPlusPlus, false): c1 = -(0.5 * (alphaT * (TorchMath.exp(-h) - 1.0)))
            case (.dpmsolverPlusPlus, true): c1 = alphaT * ((TorchMath.exp(-h) - 1.0) / h + 1.0)
            case (.dpmsolver, false): c1 = -(0.5 * (sigmaT * (TorchMath.exp(h) - 1.0)))
            case (.dpmsolver, true): c1 = -(sigmaT * ((TorchMath.exp(h) - 1.0) / h - 1.0))
            case (.sdeDpmsolverPlusPlus, false): c1 = 0.5 * (alphaT * (1 - TorchMath.exp(-2.0 * h)))
            case (.sdeDpmsolverPlusPlus, true): c1 = alphaT * ((1.0 - TorchMath.exp(-2.0 * h)) / (-2.0 * h) + 1.0)
            default: c1 = 0
            }
            return DPMSolverStepCoefficients(
                stepIndex: i, order: 2, ends: ends, r0: r0, r1: nil, a: a, b: b, c1: c1, c2: nil, noise: noise)
        }

        // Third order: s0 = sigmas[i], s1 = sigmas[i − 1], s2 = sigmas[i − 2] (the anchor).
        let lambdaS0 = lambda(sigmas[i]), lambdaS1 = lambda(sigmas[i - 1])
        let r0 = (lambdaS0 - lambdaS) / h, r1 = (lambdaS1 - lambdaS) / h
        let c1: Float
        var c2: Float? = nil
        switch (algorithm, heun) {
        case (.dpmsolverPlusPlus, false):
            c1 = alphaT * ((TorchMath.exp(-h) - 1.0) / h + 1.0)
        case (.dpmsolverPlusPlus, true):
            c1 = alphaT * ((TorchMath.exp(-h) - 1.0) / h + 1.0)
            c2 = -(alphaT * ((TorchMath.exp(-h) - 1.0 + h) / (h * h) - 0.5))
        case (.dpmsolver, false):
            c1 = -(sigmaT * ((TorchMath.exp(h) - 1.0) / h - 1.0))
        case (.dpmsolver, true):
            c1 = -(sigmaT * ((TorchMath.exp(h) - 1.0) / h - 1.0))
            c2 = -(sigmaT * ((TorchMath.exp(h) - 1.0 - h) / (h * h) - 0.5))
        case (.sdeDpmsolverPlusPlus, false):
            c1 = alphaT * ((1.0 - TorchMath.exp(-2.0 * h)) / (-2.0 * h) + 1.0)
        case (.sdeDpmsolverPlusPlus, true):
            c1 = alphaT * ((1.0 - TorchMath.exp(-2.0 * h)) / (-2.0 * h) + 1.0)
            let minusTwoH = -2.0 * h
            c2 = alphaT * ((1.0 - TorchMath.exp(-2.0 * h) + minusTwoH) / (minusTwoH * minusTwoH) - 0.5)
        default: c1 = 0
        }
        return DPMSolverStepCoefficients(
            stepIndex: i, order: 3, ends: ends, r0: r0, r1: r1, a: a, b: b, c1: c1, c2: c2, noise: noise)
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
        var scales: [(Float, Float)] = []
        for i in indices {
            guard i < sigmas.count else { throw SchedulerError(key: "timesteps", message: "step index \(i) is out of range") }
            let (alpha, sigma) = alphaSigma(sigmas[i])
            scales.append((alpha, sigma))
        }
        return ForwardProcess.combine(originalSamples, noise, scales: scales, subtract: false)
    }
}

/// The coefficients of one single-step update, signs folded in (see ``ExponentialIntegratorKernel``).
///
/// - order 1: `A·anchor + B·c`
/// - order 2: `(A·anchor + B·m₁) + C1·(R0·(c − m₁))`
/// - order 3 (midpoint): `(A·anchor + B·m₂) + C1·(R0·(c − m₂))`
/// - order 3 (heun): with d₀ = R1·(m₁ − m₂), d₁ = R0·(c − m₂):
///   `((A·anchor + B·m₂) + C1·((q0·d₀ − q1·d₁)/(q0 − q1))) + C2·((2·(d₁ − d₀))/(q0 − q1))`
///
/// plus `N·noise` for `sde-dpmsolver++`.
struct SinglestepCoefficients {
    var order: Int
    var a: Float = 0
    var b: Float = 0
    var c1: Float = 0
    var c2: Float = 0
    var r0: Float = 0
    var r1: Float = 0
    var q0: Float = 0
    var q1: Float = 0
    var difference: Float = 0
    var heun = false
    var noise: Float? = nil
}

/// Pointers into the buffers of one contiguous run of a singlestep update.
struct SinglestepBuffers {
    var count: Int
    var sample: UnsafePointer<Float>
    var model: UnsafePointer<Float>
    /// The block's starting sample; nil when it is `sample` itself (the block's first step).
    var anchor: UnsafePointer<Float>?
    /// The anchor's converted output (orders 2 and 3), and the one between (third-order heun).
    var base: UnsafePointer<Float>?
    var middle: UnsafePointer<Float>?
    var noise: UnsafePointer<Float>?
    /// Receives a copy of `sample` (the next block's anchor) when not nil.
    var stash: UnsafeMutablePointer<Float>?
    var converted: UnsafeMutablePointer<Float>
    /// May be `sample` (an in-place step).
    var output: UnsafeMutablePointer<Float>
}

/// The singlestep pass: in the C kernels, and in Swift (`convert` serves the thresholded path;
/// both are kept as the reference the C kernel is tested against).
enum SinglestepKernel {
    /// Converts the model output and writes the update in one pass, in the C kernels at `level`.
    static func run(
        _ conversion: ModelConversion, _ k: SinglestepCoefficients, _ p: SinglestepBuffers, level: KernelLevel
    ) {
        var params = sk_singlestep_params()
        (params.conversion, params.p0, params.p1) = conversion.kernelMode
        // Second order and third-order midpoint share a form; only third-order heun needs the middle output.
        params.form = Int32(
            k.order == 1 ? SK_SINGLESTEP_FIRST : k.order == 3 && k.heun ? SK_SINGLESTEP_THIRD : SK_SINGLESTEP_SECOND)
        params.a = k.a
        params.b = k.b
        params.c1 = k.c1
        params.c2 = k.c2
        params.r0 = k.r0
        params.r1 = k.r1
        params.q0 = k.q0
        params.q1 = k.q1
        params.diff = k.difference
        params.nn = k.noise ?? 0
        sk_singlestep(
            level.rawValue, &params, p.sample, p.model, p.anchor, p.base, p.middle, p.noise, p.stash, p.converted,
            p.output, p.count)
    }

    static func convert(
        _ conversion: ModelConversion, _ n: Int, _ x: UnsafePointer<Float>, _ m: UnsafePointer<Float>,
        _ c: UnsafeMutablePointer<Float>
    ) {
        switch conversion {
        case .dataFromNoise(let s, let a): for i in 0..<n { c[i] = (x[i] - s * m[i]) / a }
        case .identity: for i in 0..<n { c[i] = m[i] }
        case .dataFromVelocity(let a, let s): for i in 0..<n { c[i] = a * x[i] - s * m[i] }
        case .dataFromFlow(let s): for i in 0..<n { c[i] = x[i] - s * m[i] }
        case .noiseFromData(let a, let s): for i in 0..<n { c[i] = (x[i] - a * m[i]) / s }
        case .noiseFromVelocity(let a, let s): for i in 0..<n { c[i] = a * m[i] + s * x[i] }
        }
    }

    static func update(
        _ k: SinglestepCoefficients, count n: Int, anchor x: UnsafePointer<Float>, current c: UnsafePointer<Float>,
        m1: UnsafePointer<Float>?, m2: UnsafePointer<Float>?, noise: UnsafePointer<Float>?,
        output out: UnsafeMutablePointer<Float>
    ) {
        let a = k.a, b = k.b, c1 = k.c1, c2 = k.c2, r0 = k.r0, r1 = k.r1, nn = k.noise ?? 0
        @inline(__always) func finish(_ i: Int, _ value: Float) {
            out[i] = noise.map { value + nn * $0[i] } ?? value
        }
        switch k.order {
        case 1:
            for i in 0..<n { finish(i, a * x[i] + b * c[i]) }
        case 2:
            guard let m1 else { return }
            for i in 0..<n {
                let d0 = m1[i]
                finish(i, (a * x[i] + b * d0) + c1 * (r0 * (c[i] - d0)))
            }
        default:
            guard let m1, let m2 else { return }
            if k.heun {
                let q0 = k.q0, q1 = k.q1, diff = k.difference
                for i in 0..<n {
                    let d0 = m2[i]
                    let first = r1 * (m1[i] - d0)
                    let second = r0 * (c[i] - d0)
                    let d1 = (q0 * first - q1 * second) / diff
                    let d2 = (2.0 * (second - first)) / diff
                    finish(i, ((a * x[i] + b * d0) + c1 * d1) + c2 * d2)
                }
            } else {
                for i in 0..<n {
                    let d0 = m2[i]
                    finish(i, (a * x[i] + b * d0) + c1 * (r0 * (c[i] - d0)))
                }
            }
        }
    }
}

extension DPMSolverSinglestepScheduler: StepIndexedScheduler {
    /// `"DPMSolverSinglestepScheduler"`.
    public static var className: String { DPMSolverSinglestepSchedulerConfiguration.className }
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
    /// One step at an integer timestep.
    public func step(
        modelOutput: Tensor, timestep: Double, sample: Tensor, generator: TorchGenerator?
    ) throws(SchedulerError) -> StepOutput {
        try step(modelOutput: modelOutput, timestep: try integerTimestep(timestep), sample: sample, generator: generator)
    }
}
