extension GaussianMixture {
    /// `count` independent draws from the mixture, as a float32 tensor of shape `[count, D]`.
    ///
    /// Deterministic for a seeded generator: first one uniform per point picks its component
    /// (53-bit doubles from `random64`, as torch's double `rand`), then a single `randn(count·D)`
    /// gives the standard normals, which are mapped through V·diag(√λ) of the component's covariance.
    public func sample(count: Int, generator: TorchGenerator) throws(SchedulerError) -> Tensor {
        let values = try samplePoints(count: count, generator: generator)
        return Tensor(uncheckedShape: [count, dimension], scalars: values.map { Float($0) })
    }

    /// `count` draws in double precision, row-major (`count·D` values); the same draws as ``sample(count:generator:)``.
    public func samplePoints(count: Int, generator: TorchGenerator) throws(SchedulerError) -> [Double] {
        guard count >= 0 else {
            throw SchedulerError(key: "count", message: "count must be at least 0, not \(count)")
        }
        _ = try Tensor.elementCount(of: [count, dimension])
        let d = dimension
        var cumulative: [Double] = []
        var running = 0.0
        for c in components {
            running += c.weight
            cumulative.append(running)
        }
        let lastPositive = components.lastIndex { $0.weight > 0 } ?? 0
        let choices: [Int] = (0..<count).map { _ in
            let u = Double(generator.random64() & 0x1F_FFFF_FFFF_FFFF) * (1.0 / 9_007_199_254_740_992.0)
            // Scale by the rounded total so a sum of 0.9999999 cannot leave u unassigned.
            let scaled = u * running
            return min(cumulative.firstIndex { scaled < $0 } ?? lastPositive, lastPositive)
        }
        let normals = generator.randn(count: count * d)
        var out = [Double](repeating: 0, count: count * d)
        for p in 0..<count {
            let part = parts[choices[p]]
            for i in 0..<d {
                var v = part.mean[i]
                for j in 0..<d {
                    v += part.eigenvectors[i * d + j] * part.eigenvalues[j].squareRoot() * Double(normals[p * d + j])
                }
                out[p * d + i] = v
            }
        }
        return out
    }
}
