import Foundation

/// diffusers' `UniPCMultistepScheduler`: the unified predictor–corrector framework of Zhao et al.
/// (arXiv 2302.04867), with B(h) variants `bh1`/`bh2`, data or noise prediction, and the
/// corrector switchable per step.
///
/// Matches `diffusers/schedulers/scheduling_unipc_multistep.py` of diffusers 0.42.1: timesteps
/// and sigmas are bit-identical (Karras / exponential / beta / flow sigmas, dynamic shifting,
/// `shift_terminal`, `sigma_min`/`sigma_max`), and each step — corrector, then predictor — is
/// one fused pass in torch's float32 operation order. The φ-functions use Sleef's `expm1`
/// exactly; `log` (for λ) is within one ulp of torch's MKL kernel, and the 2×2 systems of
/// order 2 and 3 are solved as MKL solves them. An external predictor (diffusers' `solver_p`)
/// is passed to ``init(config:solverP:)``. As in diffusers, `bh1` with a final σ of 0 returns NaN at the last step.
public final class UniPCMultistepScheduler {
    /// The options this scheduler was built from.
    public let config: UniPCMultistepSchedulerConfiguration
    /// βₜ, αₜ and ᾱₜ for the T training timesteps (before the zero-SNR floor).
    public let schedule: NoiseSchedule
    /// The integer timesteps of the schedule, descending; all T of them until `setTimesteps` is called.
    public private(set) var timesteps: [Int]
    /// σ for each timestep plus the final sigma.
    public private(set) var sigmas: [Float]
    /// The number of inference steps of the last `setTimesteps`, or nil.
    public private(set) var numInferenceSteps: Int?
    /// The standard deviation of the initial noise, 1 for this VP scheduler.
    public let initNoiseSigma: Float = 1
    /// diffusers' `order`: one model evaluation per step.
    public let order = 1
    /// How many steps ran since `setTimesteps`, capped at `solver_order`.
    public private(set) var lowerOrderNums = 0
    /// The predictor order of the last step, which the next corrector uses (diffusers' `this_order`).
    public private(set) var thisOrder = 0
    /// diffusers' `solver_p`: another scheduler that replaces UniP as the predictor, so each step
    /// is its step from the UniC-corrected sample ("solver_p + UniC"); nil for plain UniPC.
    public let solverP: (any DiffusionScheduler)?

    let table: TrainingSigmas
    private var index = StepIndex()
    /// The last `solver_order` converted model outputs, oldest first.
    private var history: [Tensor?]
    /// The sample the last predictor started from (the corrected one), for the next corrector.
    private var lastSample: Tensor?
    /// Whether `lastSample` is the scheduler's own buffer (recyclable) rather than the caller's sample.
    private var ownsLastSample = false
    private var spare: [Tensor] = []
    /// The instruction-set level of the step kernels (tests lower it to compare levels).
    var kernelLevel = KernelLevel.active
    /// The outputs the returning `step` handed out, whose storage later steps reuse once released.
    var recycler = OutputRecycler()

    /// Builds the scheduler; throws when an option is out of range or options conflict.
    public convenience init(
        config: UniPCMultistepSchedulerConfiguration = UniPCMultistepSchedulerConfiguration()
    ) throws(SchedulerError) {
        try self.init(config: config, solverP: nil)
    }

    /// Builds UniPC with an external predictor (nil for plain UniPC): `solverP`, diffusers'
    /// `solver_p`, takes over prediction. UniPC converts and corrects, then calls `solverP.step`
    /// with the raw model output at the same timestep. Every `setTimesteps` sets it to the same
    /// number of steps; it must not be used by another loop at the same time.
    public init(config: UniPCMultistepSchedulerConfiguration, solverP: (any DiffusionScheduler)?) throws(SchedulerError) {
        try config.validate()
        self.solverP = solverP
        self.config = config
        schedule = try config.noiseSchedule()
        table = TrainingSigmas(schedule: schedule, floorTerminalAlpha: config.rescaleBetasZeroSnr)
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

    /// `set_timesteps(num_inference_steps, mu=…)`; `mu` is required with `use_dynamic_shifting`.
    public func setTimesteps(_ numInferenceSteps: Int, mu: Double? = nil) throws(SchedulerError) {
        try SolverSteps.validate(numInferenceSteps, limit: .max)
        try finish(n: numInferenceSteps, customSigmas: nil, mu: mu)
    }

    /// `set_timesteps(sigmas=…)`: custom flow sigmas (a float64 array; only with `use_flow_sigmas`),
    /// shifted and stretched like the default ones.
    public func setTimesteps(sigmas custom: [Double], mu: Double? = nil) throws(SchedulerError) {
        guard config.useFlowSigmas else {
            throw SchedulerError(key: "sigmas", message: "passing sigmas needs use_flow_sigmas")
        }
        guard config.useKarrasSigmas == false, config.useExponentialSigmas == false, config.useBetaSigmas == false else {
            throw SchedulerError(key: "sigmas", message: "custom sigmas with Karras, exponential or beta sigmas are not supported")
        }
        guard !custom.isEmpty else { throw SchedulerError(key: "sigmas", message: "custom sigmas must not be empty") }
        try finish(n: custom.count, customSigmas: custom, mu: mu)
    }

    private func finish(n: Int, customSigmas: [Double]?, mu: Double?) throws(SchedulerError) {
        if config.useDynamicShifting && mu == nil {
            throw SchedulerError(key: "mu", message: "mu must be passed when use_dynamic_shifting is true")
        }
        if let mu, !mu.isFinite { throw SchedulerError(key: "mu", message: "mu must be finite, not \(mu)") }
        let t = config.numTrainTimesteps
        var timesteps = config.timestepSpacing.solverTimesteps(
            numInferenceSteps: n, numTrainTimesteps: t, last: t, leadingBase: t, trailingStart: t,
            stepsOffset: config.stepsOffset)
        var sigmas: [Double]
        var last: Double
        if let spacing = try config.sigmaSpacing() {
            let converted = SolverSigmaSpacing.convert(
                spacing, table: table, count: n, sigmaMin: config.sigmaMin, sigmaMax: config.sigmaMax,
                round: spacing == .karras)
            sigmas = converted.sigmas
            if spacing == .karras && config.useFlowSigmas {
                sigmas = sigmas.map { $0 / ($0 + 1) }
                timesteps = SolverSigmaSpacing.int64(sigmas.map { $0 * Double(t) })
            } else {
                timesteps = SolverSigmaSpacing.int64(converted.timesteps)
            }
            last = config.finalSigmasType == .sigmaMin ? sigmas[sigmas.count - 1] : 0
        } else if config.useFlowSigmas {
            sigmas = customSigmas ?? Array(TorchNumerics.numpyLinspace(1, 1 / Double(t), count: n + 1).dropLast())
            if config.useDynamicShifting, let mu {
                sigmas = sigmas.map { FlowShift.timeShifted($0, mu: mu, type: config.timeShiftType) }
            } else {
                sigmas = sigmas.map { FlowShift.shifted($0, shift: config.flowShift) }
            }
            if let terminal = config.shiftTerminal, terminal != 0 {
                sigmas = FlowShift.stretched(sigmas, terminal: terminal)
            }
            if abs(sigmas[0] - 1) < 1e-6 { sigmas[0] -= 1e-6 }
            timesteps = SolverSigmaSpacing.int64(sigmas.map { $0 * Double(t) })
            last = config.finalSigmasType == .sigmaMin ? sigmas[sigmas.count - 1] : 0
        } else {
            sigmas = timesteps.map { NumpyMath.interpOverIndices(Double($0), table.sigmas) }
            last = config.finalSigmasType == .sigmaMin ? Double(table.smallest) : 0
        }
        self.sigmas = (sigmas + [last]).map { Float($0) }
        try solverP?.setTimesteps(timesteps.count)
        self.timesteps = timesteps
        numInferenceSteps = timesteps.count
        spare += history.compactMap { $0 }
        history = Array(repeating: nil, count: config.solverOrder)
        if let lastSample, ownsLastSample { spare.append(lastSample) }
        lastSample = nil
        ownsLastSample = false
        lowerOrderNums = 0
        thisOrder = 0
        index.reset()
    }

    /// `_sigma_to_alpha_sigma_t`.
    func alphaSigma(_ sigma: Float) -> (alpha: Float, sigma: Float) {
        SigmaConversion.alphaSigma(sigma, flow: config.useFlowSigmas)
    }

    private func lambda(_ sigma: Float) -> Float { SigmaConversion.lambda(alphaSigma(sigma)) }

    /// `sigmas[i]` with Python's negative indexing, as diffusers reads `self.sigmas[si]`.
    private func sigma(at i: Int) -> Float { sigmas[i >= 0 ? i : sigmas.count + i] }

    /// `scale_model_input`: the identity for UniPC.
    public func scaleModelInput(_ sample: Tensor, timestep: Int) -> Tensor { sample }

    /// One UniPC step from `timestep` (diffusers' `step`): corrects the incoming sample with
    /// UniC (unless disabled for the previous step) and predicts the next one with UniP.
    public func step(modelOutput: Tensor, timestep: Int, sample: Tensor) throws(SchedulerError) -> StepOutput {
        var prev = recycler.take()
        try step(modelOutput: modelOutput, timestep: timestep, sample: sample, into: &prev)
        return StepOutput(prevSample: recycler.handOut(prev))
    }

    /// `step` writing into `prevSample`, reusing its storage; the history and corrected-sample
    /// buffers are recycled too, so a loop allocates nothing per step.
    public func step(
        modelOutput: Tensor, timestep: Int, sample: Tensor, into prevSample: inout Tensor
    ) throws(SchedulerError) {
        try sample.checkSameShape(as: modelOutput, "sample", "modelOutput")
        try advance(modelOutput: modelOutput, timestep: timestep, shape: sample.shape, keeping: sample) { body in
            sample.withStepStorage(into: &prevSample, body)
        }
    }

    /// The step in place: `sample` becomes the next sample with no second buffer (each element is
    /// read before it is written), and the scheduler keeps its own copy of the sample the next
    /// corrector starts from; the form with the least memory traffic for a sampling loop.
    public func step(modelOutput: Tensor, timestep: Int, sample: inout Tensor) throws(SchedulerError) {
        try sample.checkSameShape(as: modelOutput, "sample", "modelOutput")
        try advance(modelOutput: modelOutput, timestep: timestep, shape: sample.shape, keeping: nil) { body in
            sample.withInPlaceStepStorage(body)
        }
    }

    /// The step with the sample and output storage supplied by `buffers` (the same for an
    /// in-place step). `sample` is the incoming sample of a step out of place, which the next
    /// corrector may keep by reference; nil in place, where the scheduler copies it in the pass.
    private func advance(
        modelOutput: Tensor, timestep: Int, shape: [Int], keeping sample: Tensor?,
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
        let count = modelOutput.count
        let useCorrector = i > 0 && !config.disableCorrector.contains(i - 1) && lastSample != nil
        let conversion = try modelConversion(at: i)
        let corrector = useCorrector ? try correctorCoefficients(order: thisOrder, at: i) : nil

        let solverOrder = config.solverOrder
        let order = predictorOrder(at: i, lowerOrderNums: lowerOrderNums)
        // With solver_p, the pass only converts and corrects (its prediction is discarded).
        let predictor = solverP == nil
            ? try predictorCoefficients(order: order, at: i)
            : UniPCPredictor(order: 1, a: 1, b: 0, c: 0, r: [], rho: [], zero: 0)

        let needed = max(corrector?.order ?? 0, solverP == nil ? order - 1 : 0)
        do {
            let newestFirst = history.reversed().compactMap { $0 }
            guard newestFirst.count >= needed, newestFirst.prefix(needed).allSatisfy({ $0.count == count }),
                !useCorrector || lastSample?.count == count
            else {
                throw SchedulerError(key: "sample", message: "sample size changed between steps")
            }
        }
        let threshold = config.thresholding && config.predictX0
            ? (ratio: config.dynamicThresholdingRatio, maxValue: config.sampleMaxValue) : nil

        // Recycle what this step reads and then drops, so its writes land in lines it has just
        // read: the oldest prediction (dropped by the shift) takes the new one, and the corrected
        // sample overwrites the last one. Thresholding writes the prediction before the pass, so
        // then the oldest (which the corrector may still read) is not reused.
        let reuseOldest = threshold == nil && history[0]?.count == count
        var converted = reuseOldest ? history[0].takeValue() ?? .empty : spare.popLast() ?? .empty
        converted.prepare(shape: shape, count: count)
        let retained = Array(history.reversed().compactMap { $0 }.prefix(max(needed, 1)))
        let oldestIsRead = reuseOldest && retained.count < max(needed, 1)
        let keepStart = useCorrector || sample == nil || solverP != nil
        let reuseLast = useCorrector && ownsLastSample && lastSample?.count == count
        var corrected = reuseLast ? lastSample.takeValue() ?? .empty : keepStart ? spare.popLast() ?? .empty : .empty
        if keepStart { corrected.prepare(shape: shape, count: count) }
        let last = useCorrector && !reuseLast ? lastSample : nil
        var scratch = solverP == nil ? Tensor.empty : spare.popLast() ?? .empty
        if solverP != nil { scratch.prepare(shape: shape, count: count) }

        withPointers(retained) { historyPointers in
            modelOutput.scalars.withUnsafeBufferPointer { m in
                (last?.scalars ?? []).withUnsafeBufferPointer { lastPointer in
                    converted.scalars.withUnsafeMutableBufferPointer { c in
                        corrected.scalars.withUnsafeMutableBufferPointer { xc in
                            scratch.scalars.withUnsafeMutableBufferPointer { discarded in
                                buffers { x, callerOut in
                                    guard let m = m.baseAddress, let c = c.baseAddress else { return }
                                    var model = m
                                    var kernelConversion = conversion
                                    if let threshold {
                                        // Thresholding needs the quantile of the whole x₀ first.
                                        Self.threshold(
                                            conversion, threshold, x: x, m: m, into: c, count: count,
                                            batch: shape.isEmpty ? 1 : shape[0])
                                        kernelConversion = .identity
                                        model = UnsafePointer(c)
                                    }
                                    // (An empty array may still have a base address: choose by what was prepared.)
                                    guard let out = solverP == nil ? callerOut : discarded.baseAddress,
                                        let xcBase = keepStart ? xc.baseAddress : out
                                    else { return }
                                    let lastStart = reuseLast ? UnsafePointer(xcBase) : lastPointer.baseAddress
                                    var buffers = UniPCBuffers(
                                        count: count, sample: x, model: model,
                                        history: historyPointers + (oldestIsRead ? [UnsafePointer(c)] : []),
                                        lastSample: useCorrector ? lastStart : nil, converted: c,
                                        corrected: xcBase, output: out)
                                    buffers.storeStart = keepStart
                                    UniPCKernel.run(kernelConversion, corrector, predictor, buffers, level: kernelLevel)
                                }
                            }
                        }
                    }
                }
            }
        }
        // With solver_p the pass wrote its discarded prediction to `scratch`; solver_p predicts
        // from the corrected sample. Should it throw, the scheduler has still taken the step.
        var solverError: SchedulerError?
        if let solverP {
            spare.append(scratch)
            do throws(SchedulerError) {
                let next = try solverP.step(
                    modelOutput: modelOutput, timestep: Double(timestep), sample: corrected, generator: nil
                ).prevSample
                guard next.shape == shape else {
                    throw SchedulerError(
                        key: "solver_p", message: "solver_p returned shape \(next.shape) for a sample of shape \(shape)")
                }
                buffers { _, out in
                    next.scalars.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: count) }
                }
            } catch {
                solverError = error
            }
        }
        // Shift the history; a dropped output not reused above becomes a spare.
        if let oldest = history[0] { spare.append(oldest) }
        for k in 0..<(solverOrder - 1) { history[k] = history[k + 1] }
        history[solverOrder - 1] = converted
        // The caller's tensors never enter the pool: writing into one the caller still holds would copy it.
        if let previous = lastSample, ownsLastSample, previous.count == count { spare.append(previous) }
        if keepStart {
            lastSample = corrected
            ownsLastSample = true
        } else {
            // Without a correction the predictor started from the caller's sample, kept by reference.
            lastSample = sample
            ownsLastSample = false
        }
        thisOrder = order
        lowerOrderNums = min(lowerOrderNums + 1, solverOrder)
        index.current = i + 1
        if let solverError { throw solverError }
    }

    /// Dynamic thresholding of the x₀ prediction into `c`: converted, clamped to each batch
    /// item's quantile s and divided by s.
    private static func threshold(
        _ conversion: ModelConversion, _ threshold: (ratio: Double, maxValue: Double),
        x: UnsafePointer<Float>, m: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>, count: Int, batch: Int
    ) {
        for k in 0..<count { c[k] = conversion.apply(x[k], m[k]) }
        DynamicThresholding.apply(
            UnsafeMutableBufferPointer(start: c, count: count), batch: batch, ratio: threshold.ratio,
            maxValue: threshold.maxValue)
    }

    /// The storage of the history and kept sample (tests check that loops recycle it).
    var storageAddresses: [UnsafePointer<Float>?] {
        (history.compactMap { $0 } + (ownsLastSample ? [lastSample].compactMap { $0 } : [])).map { tensor in
            tensor.scalars.withUnsafeBufferPointer { $0.baseAddress }
        }
    }

    private func withPointers(_ tensors: [Tensor], _ body: ([UnsafePointer<Float>]) -> Void) {
        func recurse(_ k: Int, _ collected: [UnsafePointer<Float>]) {
            guard k < tensors.count else { return body(collected) }
            tensors[k].scalars.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return body(collected) }
                recurse(k + 1, collected + [base])
            }
        }
        recurse(0, [])
    }

    /// `convert_model_output` as an element map: x₀ with `predict_x0`, ε otherwise.
    private func modelConversion(at i: Int) throws(SchedulerError) -> ModelConversion {
        let sigma = sigmas[i]
        guard let conversion = ModelConversion.solver(
            predictsData: config.predictX0, predictionType: config.predictionType, sigma: sigma,
            alphaSigma: alphaSigma(sigma))
        else {
            throw SchedulerError(key: "prediction_type", message: "prediction_type 'flow_prediction' needs predict_x0")
        }
        return conversion
    }

    /// hh, h·φ₁(hh), B(h) and the b vector shared by UniP and UniC, as float32 0-dim tensor ops.
    private func phi(h: Float, order: Int) -> (hh: Float, hPhi1: Float, bH: Float, b: [Float]) {
        let hh = config.predictX0 ? -h : h
        let hPhi1 = TorchMath.expm1(hh)
        var hPhiK = hPhi1 / hh - 1
        var factorial = 1
        let bH = config.solverType == .bh1 ? hh : TorchMath.expm1(hh)
        var b: [Float] = []
        for i in 1...max(order, 1) {
            b.append(hPhiK * Float(factorial) / bH)
            factorial *= i + 1
            hPhiK = hPhiK / hh - Float(1.0 / Double(factorial))
        }
        return (hh, hPhi1, bH, b)
    }

    /// The R matrix: row p holds rₖᵖ for the r's and a final 1.
    private func powers(_ r: [Float], order: Int) -> [[Float]] {
        let rks = r + [1]
        return (0..<order).map { power in rks.map { TorchMath.pow($0, power) } }
    }

    /// The coefficients that take (A, B) from (σ_t, σ_s0) in the x₀ or ε form, negated where subtracted.
    private func baseCoefficients(t: Float, s0: Float, hPhi1: Float, bH: Float) -> (a: Float, b: Float, c: Float) {
        let (alphaT, sigmaT) = alphaSigma(t)
        let (alphaS0, sigmaS0) = alphaSigma(s0)
        if config.predictX0 {
            return (sigmaT / sigmaS0, -(alphaT * hPhi1), -(alphaT * bH))
        }
        return (alphaT / alphaS0, -(sigmaT * hPhi1), -(sigmaT * bH))
    }

    /// The scalars step `stepIndex` uses when sampling runs from the first step after
    /// `setTimesteps` (so the warm-up lowers the first orders): the UniP predictor and the UniC
    /// corrector (nil at the first step or where `disable_corrector` names the step before). With
    /// `solverP`, the step ignores the predictor and calls `solverP` instead.
    public func stepCoefficients(stepIndex i: Int) throws(SchedulerError) -> UniPCStepCoefficients {
        guard numInferenceSteps != nil else {
            throw SchedulerError(
                key: "num_inference_steps", message: "number of inference steps is not set; call setTimesteps first")
        }
        guard i >= 0, i + 1 < sigmas.count else {
            throw SchedulerError(key: "step_index", message: "step \(i) is outside the \(timesteps.count) steps")
        }
        let corrector = i > 0 && !config.disableCorrector.contains(i - 1)
            ? try correctorUpdate(order: predictorOrder(at: i - 1, lowerOrderNums: min(i - 1, config.solverOrder)), at: i)
            : nil
        return UniPCStepCoefficients(
            stepIndex: i,
            predictor: try predictorUpdate(order: predictorOrder(at: i, lowerOrderNums: min(i, config.solverOrder)), at: i),
            corrector: corrector)
    }

    /// ``stepCoefficients(stepIndex:)`` of every step, in sampling order.
    public func stepPlan() throws(SchedulerError) -> [UniPCStepCoefficients] {
        var plan: [UniPCStepCoefficients] = []
        for i in timesteps.indices { plan.append(try stepCoefficients(stepIndex: i)) }
        return plan
    }

    /// The predictor's order at step `i` after `lowerOrderNums` steps: `lower_order_final` and the warm-up lower it.
    private func predictorOrder(at i: Int, lowerOrderNums: Int) -> Int {
        let order = config.lowerOrderFinal ? min(config.solverOrder, timesteps.count - i) : config.solverOrder
        return min(order, lowerOrderNums + 1)
    }

    private func predictorCoefficients(order: Int, at i: Int) throws(SchedulerError) -> UniPCPredictor {
        // One source of truth: the kernel runs on the scalars `stepCoefficients` shows.
        let k = try predictorUpdate(order: order, at: i)
        let alphaT = alphaSigma(sigma(at: i + 1)).alpha
        let sigmaT = alphaSigma(sigma(at: i + 1)).sigma
        let zero = (config.predictX0 ? alphaT : sigmaT) * k.bH * 0
        return UniPCPredictor(
            order: k.order, a: k.sampleCoefficient, b: k.d0Coefficient, c: k.sumCoefficient, r: k.r, rho: k.rho,
            zero: zero)
    }

    private func predictorUpdate(order: Int, at i: Int) throws(SchedulerError) -> UniPCUpdateCoefficients {
        let lambdaT = lambda(sigma(at: i + 1)), lambdaS0 = lambda(sigma(at: i))
        let h = lambdaT - lambdaS0
        let r = (1..<max(order, 1)).map { k in (lambda(sigma(at: i - k)) - lambdaS0) / h }
        let (hh, hPhi1, bH, b) = phi(h: h, order: order)
        let (a, bb, c) = baseCoefficients(t: sigma(at: i + 1), s0: sigma(at: i), hPhi1: hPhi1, bH: bH)
        var rho: [Float] = []
        if order == 2 {
            rho = [0.5]
        } else if order > 2 {
            let matrix = powers(r, order: order)
            rho = SmallLinearSolve.solve(
                Array(matrix.dropLast().map { Array($0.dropLast()) }), Array(b.dropLast()))
        }
        return UniPCUpdateCoefficients(
            order: order, lambdaS: lambdaS0, lambdaT: lambdaT, h: h, hh: hh, bH: bH, r: r, rho: rho,
            sampleCoefficient: a, d0Coefficient: bb, sumCoefficient: c)
    }

    private func correctorCoefficients(order: Int, at i: Int) throws(SchedulerError) -> UniPCCorrector {
        let k = try correctorUpdate(order: order, at: i)
        return UniPCCorrector(
            order: k.order, a: k.sampleCoefficient, b: k.d0Coefficient, c: k.sumCoefficient, r: k.r, rho: k.rho)
    }

    private func correctorUpdate(order: Int, at i: Int) throws(SchedulerError) -> UniPCUpdateCoefficients {
        let lambdaT = lambda(sigma(at: i)), lambdaS0 = lambda(sigma(at: i - 1))
        let h = lambdaT - lambdaS0
        let r = (1..<max(order, 1)).map { k in (lambda(sigma(at: i - (k + 1))) - lambdaS0) / h }
        let (hh, hPhi1, bH, b) = phi(h: h, order: order)
        let (a, bb, c) = baseCoefficients(t: sigma(at: i), s0: sigma(at: i - 1), hPhi1: hPhi1, bH: bH)
        let rho: [Float] = order == 1 ? [0.5] : SmallLinearSolve.solve(powers(r, order: order), b)
        return UniPCUpdateCoefficients(
            order: order, lambdaS: lambdaS0, lambdaT: lambdaT, h: h, hh: hh, bH: bH, r: r, rho: rho,
            sampleCoefficient: a, d0Coefficient: bb, sumCoefficient: c)
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

extension UniPCMultistepScheduler: StepIndexedScheduler {
    /// `"UniPCMultistepScheduler"`.
    public static var className: String { UniPCMultistepSchedulerConfiguration.className }
    /// The configuration as diffusers' keys.
    public var configValues: [String: ConfigValue] { config.values }
    /// The integer timesteps as numbers.
    public var timestepValues: [Double] { timesteps.map(Double.init) }
    /// `set_timesteps(n)`; throws with `use_dynamic_shifting`, which needs `mu`.
    public func setTimesteps(_ numInferenceSteps: Int) throws(SchedulerError) {
        try setTimesteps(numInferenceSteps, mu: nil)
    }
    /// The identity.
    public func scaleModelInput(_ sample: Tensor, timestep: Double) throws(SchedulerError) -> Tensor { sample }
    /// One UniPC step at an integer timestep (deterministic; `generator` is not used).
    public func step(
        modelOutput: Tensor, timestep: Double, sample: Tensor, generator: TorchGenerator?
    ) throws(SchedulerError) -> StepOutput {
        try step(modelOutput: modelOutput, timestep: try integerTimestep(timestep), sample: sample)
    }
}
