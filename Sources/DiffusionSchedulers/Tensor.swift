/// A dense, row-major Float32 array with a shape: the samples, model outputs and noise schedulers work on.
///
/// A value type over a contiguous `[Float]`, so copies are cheap until written (copy-on-write)
/// and the fused scheduler loops can run over one buffer without bounds checks.
public struct Tensor: Sendable, Equatable {
    /// Equal shapes and elements (as `Float` compares them: NaN is unequal to itself).
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool { lhs.shape == rhs.shape && lhs.scalars == rhs.scalars }

    /// The extent of each dimension, e.g. `[1, 4, 64, 64]` for one SD latent.
    public let shape: [Int]
    /// The elements in row-major order; `scalars.count` is the product of `shape`.
    public internal(set) var scalars: [Float]
    /// Set on tensors a scheduler's returning `step` hands out (see ``OutputRecycler``): while
    /// any copy of the tensor lives, the claim has more than one owner.
    var claim: OutputClaim?

    /// A tensor with the given shape and elements; throws unless the counts agree.
    public init(shape: [Int], scalars: [Float]) throws(SchedulerError) {
        let count = try Self.elementCount(of: shape)
        guard count == scalars.count else {
            throw SchedulerError(
                key: "scalars", message: "shape \(shape) needs \(count) scalars, but \(scalars.count) were given")
        }
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of the given shape filled with `value`.
    public init(repeating value: Float, shape: [Int]) throws(SchedulerError) {
        self.shape = shape
        self.scalars = [Float](repeating: value, count: try Self.elementCount(of: shape))
    }

    /// Used by the schedulers, which have already checked the count.
    init(uncheckedShape shape: [Int], scalars: [Float]) {
        self.shape = shape
        self.scalars = scalars
    }

    /// The number of elements.
    public var count: Int { scalars.count }

    /// The product of the extents; throws for a negative extent or an overflowing product.
    static func elementCount(of shape: [Int]) throws(SchedulerError) -> Int {
        var count = 1
        for extent in shape {
            guard extent >= 0 else {
                throw SchedulerError(key: "shape", message: "shape \(shape) has a negative extent")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow, product <= 1 << 40 else {
                throw SchedulerError(key: "shape", message: "shape \(shape) has too many elements")
            }
            count = product
        }
        return count
    }

    /// Throws unless `other` has the same shape, naming the argument at fault.
    func checkSameShape(as other: Tensor, _ name: String, _ otherName: String) throws(SchedulerError) {
        guard shape == other.shape else {
            throw SchedulerError(
                key: otherName, message: "\(otherName) has shape \(other.shape) but \(name) has shape \(shape)")
        }
    }
}
