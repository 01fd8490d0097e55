import Foundation
import Testing
@testable import DiffusionSchedulers

/// The JSON fixtures written by Scripts/make_scheduler_fixtures.py from diffusers 0.42.1 + torch.
enum Fixtures {
    static func load<T: Decodable>(_ name: String, as type: T.Type = T.self) -> T {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"),
            let data = try? Data(contentsOf: url)
        else { fatalError("missing fixture \(name).json; run Scripts/make_scheduler_fixtures.py") }
        do {
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(
                positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            return try decoder.decode(T.self, from: data)
        } catch {
            fatalError("bad fixture \(name).json: \(error)")
        }
    }

    static let schedules: [ScheduleFixture] = load("schedules")
    static let timesteps: [TimestepFixture] = load("timesteps")
    static let steps: [StepCase] = load("steps")
    static let loops: [LoopCase] = load("loops")
    static let randn: [RandnFixture] = load("randn")
}

/// Float32 values stored as concatenated 8-digit hex bit patterns.
func floatsFromHex(_ hex: String) -> [Float] {
    let bytes = Array(hex.utf8)
    return stride(from: 0, to: bytes.count, by: 8).map { start in
        let word = String(decoding: bytes[start..<start + 8], as: UTF8.self)
        return Float(bitPattern: UInt32(word, radix: 16)!)
    }
}

/// FNV-1a (64-bit) over the little-endian bytes of the values, as the fixture script computes it.
func fnv1a64(_ values: [Float]) -> String {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for value in values {
        var bits = value.bitPattern.littleEndian
        withUnsafeBytes(of: &bits) { bytes in
            for byte in bytes {
                hash ^= UInt64(byte)
                hash = hash &* 0x100_0000_01B3
            }
        }
    }
    let digits = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}

struct ScheduleFixture: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let config: [String: ConfigValue]
    let betas: String
    let alphas: String
    let alphas_cumprod: String
    var testDescription: String { name }
}

struct TimestepFixture: Decodable, Sendable {
    let scheduler: String
    let num_train_timesteps: Int
    let timestep_spacing: String
    let steps_offset: Int
    let num_inference_steps: Int
    let timesteps: [Int]
}

/// A float64 sum, abs-sum, byte hash and a few sampled elements of a tensor.
struct TensorSummary: Decodable, Sendable {
    let sum: Double
    let abs_sum: Double
    let fnv1a: String
    let indices: [Int]
    let values: String
}

struct StepFixture: Decodable, Sendable {
    let timestep: Int
    let prev_sample: TensorSummary
    let pred_original_sample: TensorSummary
}

struct StepCase: Decodable, Sendable, CustomTestStringConvertible {
    let scheduler: String
    let config: [String: ConfigValue]
    let num_inference_steps: Int?
    let eta: Double?
    let use_clipped_model_output: Bool?
    let seed: UInt64
    let steps: [StepFixture]
    var testDescription: String {
        let options = config.keys.sorted().map { "\($0)=\(config[$0]!.literal)" }.joined(separator: ",")
        return "\(scheduler) n=\(num_inference_steps.map(String.init) ?? "-") eta=\(eta ?? 0) seed=\(seed) \(options)"
    }
}

struct LoopCase: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let scheduler: String
    let config: [String: ConfigValue]
    let num_inference_steps: Int?
    let eta: Double?
    let seed: UInt64
    let result: TensorSummary
    var testDescription: String { name }
}

struct RandnFixture: Decodable, Sendable, CustomTestStringConvertible {
    let seed: UInt64
    let calls: [Int]
    let fnv1a: String
    let sum: Double
    let bits: String?
    let head: String?
    let tail: String?
    var testDescription: String { "seed \(seed) calls \(calls)" }
}

/// diffusers' `dummy_sample_deter`: shape (4, 3, 8, 8), [b, c, h, w] = (c·256 + h·32 + w·4 + b) / 768.
func dummySampleDeter() -> Tensor {
    var values = [Float](repeating: 0, count: 768)
    for b in 0..<4 {
        for c in 0..<3 {
            for h in 0..<8 {
                for w in 0..<8 {
                    values[((b * 3 + c) * 8 + h) * 8 + w] = Float(c * 256 + h * 32 + w * 4 + b) / 768
                }
            }
        }
    }
    return try! Tensor(shape: [4, 3, 8, 8], scalars: values)
}

/// diffusers' test model `sample * t / (t + 1)`, with a second half of channels for the learned
/// variance types exactly as the fixture script builds it.
func dummyModel(_ sample: Tensor, _ t: Int, learned: String?) -> Tensor {
    let tf = Float(t)
    let shape = sample.shape
    let batch = shape[0]
    let item = sample.count / batch
    let main = sample.scalars.map { $0 * tf / (tf + 1) }
    guard let learned, learned == "learned" || learned == "learned_range" else {
        return try! Tensor(shape: shape, scalars: main)
    }
    let extra: [Float] = learned == "learned"
        ? sample.scalars.map { $0 * Float(0.01) + Float(0.001) }
        : sample.scalars.map { $0 * 2 - 1 }
    var out: [Float] = []
    for b in 0..<batch {
        out += main[b * item..<(b + 1) * item]
        out += extra[b * item..<(b + 1) * item]
    }
    var doubled = shape
    doubled[1] *= 2
    return try! Tensor(shape: doubled, scalars: out)
}

/// The largest error of `actual` against a fixture summary, relative to the tensor's scale:
/// sums against the abs-sum, sampled elements against max(|expected|, mean |x|).
func relativeError(_ actual: Tensor, _ expected: TensorSummary) -> Double {
    let values = actual.scalars
    let sum = values.reduce(0.0) { $0 + Double($1) }
    var worst = 0.0
    var meanAbs = 0.0
    if expected.sum.isFinite && expected.abs_sum.isFinite {
        meanAbs = expected.abs_sum / Double(max(values.count, 1))
        worst = abs(sum - expected.sum) / max(expected.abs_sum, .leastNormalMagnitude)
    } else if sum.isNaN != expected.sum.isNaN || (sum.isInfinite && sum != expected.sum) || sum.isFinite {
        // Non-finite results (zero-SNR ε-prediction at the terminal step) must be non-finite the same way.
        return .infinity
    }
    for (index, want) in zip(expected.indices, floatsFromHex(expected.values)) {
        let got = values[index]
        if got.isNaN || want.isNaN {
            if got.isNaN != want.isNaN { return .infinity }
            continue
        }
        if got.isInfinite || want.isInfinite {
            if got != want { return .infinity }
            continue
        }
        worst = max(worst, abs(Double(got) - Double(want)) / max(abs(Double(want)), meanAbs, 1e-30))
    }
    return worst
}
