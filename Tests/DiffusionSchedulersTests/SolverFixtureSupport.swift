import Foundation
import Testing
@testable import DiffusionSchedulers

/// The fixtures written by Scripts/make_solver_fixtures.py from diffusers 0.42.1 + torch.
enum SolverFixtures {
    static func load<T: Decodable>(_ name: String, as type: T.Type = T.self) -> T {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures/solvers"),
            let data = try? Data(contentsOf: url)
        else { fatalError("missing fixture solvers/\(name).json; run Scripts/make_solver_fixtures.py") }
        do {
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(
                positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            return try decoder.decode(T.self, from: data)
        } catch {
            fatalError("bad fixture solvers/\(name).json: \(error)")
        }
    }

    static let schedules: [SolverScheduleCase] = load("schedules")
    static let loops: [SolverLoopCase] = load("loops")
    static let betaPPF: BetaPPFFixture = load("beta_ppf")

    static func schedules(_ className: String) -> [SolverScheduleCase] { schedules.filter { $0.scheduler == className } }
    static func loops(_ className: String) -> [SolverLoopCase] { loops.filter { $0.scheduler == className } }
}

/// The arguments of one `set_timesteps` call.
struct SetTimestepsCall: Decodable, Sendable {
    let num_inference_steps: Int?
    let mu: Double?
    let timesteps: [Double]?
    let sigmas: [Double]?
    let original_inference_steps: Int?
    let strength: Double?
}

/// Timesteps as diffusers stores them: int64 values, or float32 bit patterns.
struct TimestepsFixture: Decodable, Sendable {
    let int: [Int]?
    let float: String?

    var values: [Double] {
        if let int { return int.map(Double.init) }
        return floatsFromHex(float ?? "").map(Double.init)
    }
}

struct SolverScheduleCase: Decodable, Sendable, CustomTestStringConvertible {
    let scheduler: String
    let config: [String: ConfigValue]
    let call: SetTimestepsCall
    let timesteps: TimestepsFixture?
    let sigmas: String?
    let init_noise_sigma: String?
    let error: String?
    /// Quantities diffusers computes with torch's exp/log, which are matched to one ulp, not bit for bit.
    let ulp_rated: [String]
    var testDescription: String { "\(scheduler) \(describe(config)) \(describe(call))" }
}

struct TraceFixture: Decodable, Sendable {
    let step: Int
    let sample: TensorSummary
}

/// A scheduler named by class and configuration (UniPC's `solver_p`).
struct SchedulerSpecFixture: Decodable, Sendable {
    let scheduler: String
    let config: [String: ConfigValue]
}

struct SolverLoopCase: Decodable, Sendable, CustomTestStringConvertible {
    let name: String?
    let scheduler: String
    let config: [String: ConfigValue]
    /// UniPC's external predictor, when the case has one.
    let solver_p: SchedulerSpecFixture?
    let call: SetTimestepsCall
    let kind: String?
    let seed: UInt64?
    let start: Int?
    let begin_index: Bool?
    let learned: Bool?
    let s_churn: Double?
    let s_tmin: Double?
    let s_tmax: Double?
    let s_noise: Double?
    let timesteps: TimestepsFixture
    let sigmas: String
    let ulp_rated: [String]
    let trace: [TraceFixture]
    let result: TensorSummary
    /// The same loop with correctly rounded `torch.exp` / `torch.log` (see the fixture script).
    let trace_cr: [TraceFixture]
    let result_cr: TensorSummary
    /// How far the stock result is from the correctly-rounded one: diffusers' own sensitivity to
    /// one-ulp changes of its transcendental coefficients.
    let cr_vs_stock: Double
    var testDescription: String {
        name ?? "\(scheduler) \(kind ?? "plain") seed=\(seed ?? 0) \(describe(config)) \(describe(call))"
            + (solver_p.map { " solver_p=\($0.scheduler) \(describe($0.config))" } ?? "")
    }
}

struct BetaPPFFixture: Decodable, Sendable {
    let q: String
    let ppf: String
}

func describe(_ config: [String: ConfigValue]) -> String {
    config.keys.sorted().map { "\($0)=\(config[$0]!.literal)" }.joined(separator: ",")
}

func describe(_ call: SetTimestepsCall) -> String {
    var parts: [String] = []
    if let n = call.num_inference_steps { parts.append("n=\(n)") }
    if let mu = call.mu { parts.append("mu=\(mu)") }
    if let t = call.timesteps { parts.append("timesteps=\(t.count)") }
    if let s = call.sigmas { parts.append("sigmas=\(s.count)") }
    return parts.joined(separator: " ")
}

/// float64 values stored as 16-digit hex bit patterns.
func doublesFromHex(_ hex: String) -> [Double] {
    let bytes = Array(hex.utf8)
    return stride(from: 0, to: bytes.count, by: 16).map { start in
        Double(bitPattern: UInt64(String(decoding: bytes[start..<start + 16], as: UTF8.self), radix: 16)!)
    }
}

/// diffusers' `dummy_noise_deter`: [b, c, h, w] = (767 − (c·256 + h·32 + w·4 + b)) / 768.
func dummyNoiseDeter() -> Tensor {
    var values = [Float](repeating: 0, count: 768)
    for b in 0..<4 {
        for c in 0..<3 {
            for h in 0..<8 {
                for w in 0..<8 {
                    values[((b * 3 + c) * 8 + h) * 8 + w] = Float(767 - (c * 256 + h * 32 + w * 4 + b)) / 768
                }
            }
        }
    }
    return try! Tensor(shape: [4, 3, 8, 8], scalars: values)
}

/// diffusers' test model `sample * t / (t + 1)` with t in float32; `learned` appends `2·sample − 1` channels.
func solverDummyModel(_ sample: Tensor, _ t: Double, learned: Bool = false) -> Tensor {
    let tf = Float(t)
    let main = sample.scalars.map { $0 * tf / (tf + 1) }
    guard learned else { return try! Tensor(shape: sample.shape, scalars: main) }
    let batch = sample.shape[0]
    let item = sample.count / batch
    var out: [Float] = []
    for b in 0..<batch {
        out += main[b * item..<(b + 1) * item]
        out += sample.scalars[b * item..<(b + 1) * item].map { $0 * 2 - 1 }
    }
    var doubled = sample.shape
    doubled[1] *= 2
    return try! Tensor(shape: doubled, scalars: out)
}

/// Exposes the sigma table of the sigma-based schedulers to the generic tests.
protocol SigmaTabled: DiffusionScheduler {
    var sigmas: [Float] { get }
}

extension DPMSolverMultistepScheduler: SigmaTabled {}
extension EulerDiscreteScheduler: SigmaTabled {}
extension EulerAncestralDiscreteScheduler: SigmaTabled {}
extension FlowMatchEulerDiscreteScheduler: SigmaTabled {}
extension UniPCMultistepScheduler: SigmaTabled {}
extension HeunDiscreteScheduler: SigmaTabled {}
extension DPMSolverSinglestepScheduler: SigmaTabled {}

/// Scheduler-specific parts of the fixture runs: the `set_timesteps` variants and `add_noise`.
enum SolverHarness {
    static func make(_ className: String, _ config: [String: ConfigValue]) throws -> any DiffusionScheduler {
        try SchedulerFactory.make(className: className, config: config)
    }

    static func apply(_ call: SetTimestepsCall, to scheduler: any DiffusionScheduler) throws {
        switch scheduler {
        case let s as DPMSolverMultistepScheduler:
            if let t = call.timesteps {
                try s.setTimesteps(timesteps: t.map { Int($0) }, mu: call.mu)
            } else {
                try s.setTimesteps(call.num_inference_steps!, mu: call.mu)
            }
        case let s as EulerDiscreteScheduler:
            if let t = call.timesteps {
                try s.setTimesteps(timesteps: t.map { Float($0) })
            } else if let sigmas = call.sigmas {
                try s.setTimesteps(sigmas: sigmas.map { Float($0) })
            } else {
                try s.setTimesteps(call.num_inference_steps!)
            }
        case let s as LCMScheduler:
            if let t = call.timesteps {
                try s.setTimesteps(
                    timesteps: t.map { Int($0) }, originalInferenceSteps: call.original_inference_steps,
                    strength: call.strength ?? 1)
            } else {
                try s.setTimesteps(
                    call.num_inference_steps!, originalInferenceSteps: call.original_inference_steps,
                    strength: call.strength ?? 1)
            }
        case let s as DPMSolverSinglestepScheduler:
            if let t = call.timesteps {
                try s.setTimesteps(timesteps: t.map { Int($0) }, mu: call.mu)
            } else {
                try s.setTimesteps(call.num_inference_steps!, mu: call.mu)
            }
        case let s as HeunDiscreteScheduler:
            if let t = call.timesteps {
                try s.setTimesteps(timesteps: t.map { Float($0) })
            } else {
                try s.setTimesteps(call.num_inference_steps!)
            }
        case let s as UniPCMultistepScheduler:
            if let sigmas = call.sigmas {
                try s.setTimesteps(sigmas: sigmas, mu: call.mu)
            } else {
                try s.setTimesteps(call.num_inference_steps!, mu: call.mu)
            }
        case let s as FlowMatchEulerDiscreteScheduler:
            if call.sigmas != nil || call.timesteps != nil {
                try s.setTimesteps(
                    sigmas: call.sigmas.map { $0.map { Float($0) } }, timesteps: call.timesteps.map { $0.map { Float($0) } },
                    mu: call.mu)
            } else {
                try s.setTimesteps(call.num_inference_steps!, mu: call.mu)
            }
        default:
            try scheduler.setTimesteps(call.num_inference_steps!)
        }
    }

    static func addNoise(
        _ scheduler: any DiffusionScheduler, _ sample: Tensor, _ noise: Tensor, at t: Double
    ) throws -> Tensor {
        switch scheduler {
        case let s as DPMSolverMultistepScheduler:
            return try s.addNoise(originalSamples: sample, noise: noise, timesteps: [Int(t)])
        case let s as UniPCMultistepScheduler:
            return try s.addNoise(originalSamples: sample, noise: noise, timesteps: [Int(t)])
        case let s as DPMSolverSinglestepScheduler:
            return try s.addNoise(originalSamples: sample, noise: noise, timesteps: [Int(t)])
        case let s as LCMScheduler:
            return try s.addNoise(originalSamples: sample, noise: noise, timesteps: [Int(t)])
        case let s as EulerDiscreteScheduler:
            return try s.addNoise(originalSamples: sample, noise: noise, timesteps: [Float(t)])
        case let s as EulerAncestralDiscreteScheduler:
            return try s.addNoise(originalSamples: sample, noise: noise, timesteps: [Float(t)])
        case let s as HeunDiscreteScheduler:
            return try s.addNoise(originalSamples: sample, noise: noise, timesteps: [Float(t)])
        default:
            throw SchedulerError(key: nil, message: "no add_noise for \(type(of: scheduler).className)")
        }
    }

    static func setBeginIndex(_ scheduler: any DiffusionScheduler, _ index: Int) throws {
        guard let s = scheduler as? any StepIndexedScheduler else {
            throw SchedulerError(key: nil, message: "no set_begin_index for \(type(of: scheduler).className)")
        }
        try s.setBeginIndex(index)
    }

    /// Runs a loop fixture the way the fixture script ran it; returns the final sample and the traced ones.
    /// The case's scheduler, with its `solver_p` when it has one.
    static func make(_ fixture: SolverLoopCase) throws -> any DiffusionScheduler {
        guard let inner = fixture.solver_p else { return try make(fixture.scheduler, fixture.config) }
        #expect(fixture.scheduler == UniPCMultistepSchedulerConfiguration.className)
        return try UniPCMultistepScheduler(
            config: UniPCMultistepSchedulerConfiguration(values: fixture.config), solverP: make(inner.scheduler, inner.config))
    }

    static func run(_ fixture: SolverLoopCase) throws -> (result: Tensor, trace: [Int: Tensor], scheduler: any DiffusionScheduler) {
        let scheduler = try make(fixture)
        try apply(fixture.call, to: scheduler)
        let generator = TorchGenerator(seed: fixture.seed ?? 0)
        let kind = fixture.kind ?? "plain"
        var (timesteps, sample) = try start(
            scheduler, kind: kind, at: fixture.start, beginIndex: fixture.begin_index == true, from: dummySampleDeter())
        var trace: [Int: Tensor] = [:]
        let recorded = Set(fixture.trace.map(\.step))
        for (i, t) in timesteps.enumerated() {
            let m = try modelOutput(scheduler, kind: kind, sample: &sample, at: t, learned: fixture.learned ?? false)
            sample = try step(scheduler, fixture, m, t, sample, generator)
            if recorded.contains(i) { trace[i] = sample }
        }
        return (sample, trace, scheduler)
    }

    /// A loop's timesteps and first sample as the fixture script sets them up for each kind:
    /// `tail` starts at index `start`, `noise` also noises the sample to its first timestep (after
    /// `set_begin_index` when asked), `scaled` and `pipeline` start from sample · init_noise_sigma.
    static func start(
        _ scheduler: any DiffusionScheduler, kind: String, at start: Int?, beginIndex: Bool, from sample: Tensor
    ) throws -> (timesteps: [Double], sample: Tensor) {
        let timesteps = scheduler.timestepValues
        switch kind {
        case "tail":
            return (Array(timesteps[(start ?? 0)...]), sample)
        case "noise":
            let tail = Array(timesteps[(start ?? 0)...])
            if beginIndex { try setBeginIndex(scheduler, start ?? 0) }
            return (tail, try addNoise(scheduler, sample, dummyNoiseDeter(), at: tail[0]))
        case "scaled", "pipeline":
            let sigma = scheduler.initNoiseSigma
            return (timesteps, Tensor(uncheckedShape: sample.shape, scalars: sample.scalars.map { $0 * sigma }))
        default:
            return (timesteps, sample)
        }
    }

    /// The test model's output at `t` for a loop kind: `scaled` replaces the sample by its scaled
    /// form (which `step` then receives, as diffusers' Euler-family tests do), `pipeline` scales
    /// only the model's input.
    static func modelOutput(
        _ scheduler: any DiffusionScheduler, kind: String, sample: inout Tensor, at t: Double, learned: Bool
    ) throws -> Tensor {
        switch kind {
        case "scaled":
            sample = try scheduler.scaleModelInput(sample, timestep: t)
            return solverDummyModel(sample, t, learned: learned)
        case "pipeline":
            return solverDummyModel(try scheduler.scaleModelInput(sample, timestep: t), t, learned: learned)
        default:
            return solverDummyModel(sample, t, learned: learned)
        }
    }

    static func step(
        _ scheduler: any DiffusionScheduler, _ fixture: SolverLoopCase, _ m: Tensor, _ t: Double, _ x: Tensor,
        _ generator: TorchGenerator
    ) throws -> Tensor {
        if let euler = scheduler as? EulerDiscreteScheduler, let churn = fixture.s_churn {
            return try euler.step(
                modelOutput: m, timestep: Float(t), sample: x, sChurn: churn, sTmin: fixture.s_tmin ?? 0,
                sTmax: fixture.s_tmax ?? .infinity, sNoise: fixture.s_noise ?? 1, generator: generator
            ).prevSample
        }
        return try scheduler.step(modelOutput: m, timestep: t, sample: x, generator: generator).prevSample
    }
}

/// Checks a schedule fixture: timesteps and sigmas bit for bit, or the same refusal.
func checkSchedule(_ fixture: SolverScheduleCase) throws {
    let scheduler: any DiffusionScheduler
    do {
        scheduler = try SolverHarness.make(fixture.scheduler, fixture.config)
        try SolverHarness.apply(fixture.call, to: scheduler)
    } catch let error as SchedulerError {
        #expect(fixture.error != nil, "diffusers accepts this, the port throws: \(error)")
        return
    }
    if let error = fixture.error {
        Issue.record("diffusers raised '\(error)', the port did not")
        return
    }
    let timesteps = compare(scheduler.timestepValues, fixture.timesteps!.values)
    let sigmas = compare(
        (scheduler as? any SigmaTabled)?.sigmas.map(Double.init) ?? [], floatsFromHex(fixture.sigmas ?? "").map(Double.init))
    let allowed = Set(fixture.ulp_rated)
    #expect(timesteps.ulps <= (allowed.contains("timesteps") ? 1 : 0), "timesteps: \(timesteps.detail)")
    #expect(sigmas.ulps <= (allowed.contains("sigmas") ? 1 : 0), "sigmas: \(sigmas.detail)")
    let wantInit = floatsFromHex(fixture.init_noise_sigma!)[0]
    #expect(scheduler.initNoiseSigma.bitPattern == wantInit.bitPattern, "init_noise_sigma \(scheduler.initNoiseSigma) vs \(wantInit)")
    let label = allowed.isEmpty ? "schedule" : "schedule (torch exp/log)"
    ParityReport.shared.record(
        "\(fixture.scheduler) \(label)", error: Double(max(timesteps.ulps, sigmas.ulps)),
        bitExact: timesteps.ulps == 0 && sigmas.ulps == 0)
}

/// The largest distance in float32 ulps between two lists of float32 values (Int.max if the counts differ).
func compare(_ got: [Double], _ want: [Double]) -> (ulps: Int, detail: String) {
    guard got.count == want.count else { return (.max, "\(got.count) values vs \(want.count)") }
    var worst = 0, detail = "equal"
    for (i, (a, b)) in zip(got, want).enumerated() where a.bitPattern != b.bitPattern {
        let fa = Float(a), fb = Float(b)
        let distance = (fa.isNaN && fb.isNaN) ? 0
            : (fa.sign != fb.sign ? Int.max : abs(Int(fa.bitPattern) - Int(fb.bitPattern)))
        if distance > worst {
            worst = distance
            detail = "largest difference at \(i): \(a) vs \(b) (\(distance) ulp)"
        }
    }
    return (worst, detail)
}

/// Checks a loop fixture against diffusers: every traced sample and the result within 1e-5.
///
/// On the reference machine `torch.exp` / `torch.log` are MKL kernels that are faithful but not
/// correctly rounded (and differ between CPU vendors); the port rounds them correctly. Each
/// loop therefore has two references: stock diffusers, and diffusers with correctly rounded
/// exp/log. The port must match the second within 1e-5 (it is bit-identical in most loops), and
/// the first within 1e-5 — or, for the few ill-conditioned loops where diffusers' own result
/// moves by more than that under those one-ulp changes, within twice diffusers' own movement.
func checkLoop(_ fixture: SolverLoopCase) throws {
    let run = try SolverHarness.run(fixture)
    let allowed = Set(fixture.ulp_rated)
    let timesteps = compare(run.scheduler.timestepValues, fixture.timesteps.values)
    #expect(timesteps.ulps <= (allowed.contains("timesteps") ? 1 : 0), "timesteps: \(timesteps.detail)")
    if let tabled = run.scheduler as? any SigmaTabled {
        let sigmas = compare(tabled.sigmas.map(Double.init), floatsFromHex(fixture.sigmas).map(Double.init))
        #expect(sigmas.ulps <= (allowed.contains("sigmas") ? 1 : 0), "sigmas: \(sigmas.detail)")
    }
    let stockBound = max(1e-5, 2 * fixture.cr_vs_stock)
    var worstStock = 0.0, worstOracle = 0.0
    for (traced, oracle) in zip(fixture.trace, fixture.trace_cr) {
        let got = try #require(run.trace[traced.step])
        let stock = relativeError(got, traced.sample)
        let correct = relativeError(got, oracle.sample)
        #expect(correct <= 1e-5, "after step \(traced.step), against the correctly rounded reference: \(correct)")
        #expect(stock <= stockBound, "after step \(traced.step): \(stock)")
        worstStock = max(worstStock, stock)
        worstOracle = max(worstOracle, correct)
    }
    let stock = relativeError(run.result, fixture.result)
    let correct = relativeError(run.result, fixture.result_cr)
    #expect(correct <= 1e-5, "result against the correctly rounded reference: \(correct)")
    #expect(stock <= stockBound, "result: \(stock) (diffusers moves by \(fixture.cr_vs_stock) itself)")
    let digest = fnv1a64(run.result.scalars)
    ParityReport.shared.record("\(fixture.scheduler) loop", error: max(worstStock, stock), bitExact: digest == fixture.result.fnv1a)
    ParityReport.shared.record(
        "\(fixture.scheduler) loop (correctly rounded exp/log)", error: max(worstOracle, correct),
        bitExact: digest == fixture.result_cr.fnv1a)
}


/// Every scheduler class is reachable by its diffusers name, round-trips its configuration and
/// runs a short loop through the shared protocol.
@Suite struct SchedulerProtocolTests {
    @Test(arguments: SchedulerFactory.classNames)
    func everySchedulerRunsThroughTheProtocol(_ className: String) throws {
        var values: [String: ConfigValue] = [:]
        if className == "DPMSolverMultistepScheduler" || className == "DPMSolverSinglestepScheduler" {
            values["algorithm_type"] = "dpmsolver++"
        }
        let scheduler = try SchedulerFactory.make(className: className, config: values)
        #expect(type(of: scheduler).className == className)
        #expect(SchedulerCatalog.keysByClassName[className] != nil)
        let again = try SchedulerFactory.make(config: scheduler.configValues)
        #expect(again.configValues == scheduler.configValues)
        try scheduler.setTimesteps(4)
        let generator = TorchGenerator(seed: 0)
        var x = Tensor(uncheckedShape: [1, 3, 4, 4], scalars: (0..<48).map { Float($0) / 48 * scheduler.initNoiseSigma })
        for t in scheduler.timestepValues {
            let input = try scheduler.scaleModelInput(x, timestep: t)
            x = try scheduler.step(modelOutput: solverDummyModel(input, t), timestep: t, sample: x, generator: generator)
                .prevSample
        }
        let finite = x.scalars.allSatisfy { $0.isFinite }
        #expect(finite, "\(className)")
    }

    @Test func unknownClassNamesSuggestTheClosest() {
        #expect(throws: SchedulerError.self) { try SchedulerFactory.make(className: "EulerDiscretScheduler") }
        do {
            _ = try SchedulerFactory.make(className: "EulerDiscretScheduler")
        } catch {
            #expect(error.suggestion == "EulerDiscreteScheduler")
        }
    }
}

/// The parity grid covers the acceptance bar: at least 300 configurations across the solver schedulers.
@Suite struct SolverFixtureCoverageTests {
    @Test func gridCoversAtLeastThreeHundredConfigurations() {
        let schedules = Set(SolverFixtures.schedules.map(\.testDescription))
        let loops = Set(SolverFixtures.loops.map(\.testDescription))
        #expect(schedules.count + loops.count >= 300)
        let classes = Set(SolverFixtures.schedules.map(\.scheduler) + SolverFixtures.loops.map(\.scheduler))
        #expect(classes.count == 8)
        for className in classes {
            #expect(SolverFixtures.loops(className).count >= 10, "\(className)")
        }
    }
}
