internal import CSchedulerKernels
import Foundation

/// The instruction-set variant of the element loops (scheduler steps, `torch.randn`) in use.
///
/// The loops are compiled for each level in one binary, and the highest level the CPU and OS
/// support is picked once per process, so a default build runs AVX2 or AVX-512 code where the
/// hardware has it. Every level computes the same float32 operations in the same order, so the
/// results are bit-identical whichever runs; only the speed differs.
///
/// Set `DIFFUSION_SCHEDULERS_CPU=portable` (or `avx2`) to lower the level, e.g. to time the
/// portable path; a level above what the CPU supports is ignored.
public enum KernelLevel: Int32, Sendable, CaseIterable, Comparable {
    /// Plain C, vectorised by the compiler for the build's baseline (SSE2 on x86-64, NEON on arm64).
    case portable = 0
    /// AVX2 with fused multiply-add, 8 lanes.
    case avx2 = 1
    /// AVX-512F, 16 lanes.
    case avx512 = 2

    /// The highest level this CPU and OS support.
    public static let detected = KernelLevel(rawValue: sk_detected_level()) ?? .portable

    /// The level this process uses: `detected`, or lower if `DIFFUSION_SCHEDULERS_CPU` asks for it.
    public static let active: KernelLevel = {
        guard let requested = ProcessInfo.processInfo.environment["DIFFUSION_SCHEDULERS_CPU"],
            let level = allCases.first(where: { $0.name == requested.lowercased() })
        else { return detected }
        return min(level, detected)
    }()

    /// The levels this CPU can run, lowest first.
    static var available: [KernelLevel] { allCases.filter { $0 <= detected } }

    /// `portable`, `avx2` or `avx512`.
    public var name: String {
        switch self {
        case .portable: "portable"
        case .avx2: "avx2"
        case .avx512: "avx512"
        }
    }

    public static func < (lhs: KernelLevel, rhs: KernelLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}
