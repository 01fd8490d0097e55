import Foundation

/// The eigen-decomposition A = V·diag(λ)·Vᵀ of a small symmetric matrix, by cyclic Jacobi rotations.
///
/// The mixture's covariances are 1×1 or 2×2 in practice (a single rotation), but the method is exact
/// for any size and needs no pivoting decisions, so it is deterministic and always converges.
struct SymmetricEigen: Sendable, Equatable {
    /// The eigenvalues, in the order of the columns of `vectors`.
    var values: [Double]
    /// The eigenvectors as columns, row-major: `vectors[i * n + j]` is component i of vector j.
    var vectors: [Double]

    /// Decomposes the row-major n×n matrix `a`, which must be exactly symmetric.
    init(symmetric a: [Double], size n: Int) {
        var m = a
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        for _ in 0..<64 {
            var offDiagonal = 0.0
            var diagonal = 0.0
            for p in 0..<n {
                diagonal += m[p * n + p] * m[p * n + p]
                for q in (p + 1)..<max(p + 1, n) { offDiagonal += m[p * n + q] * m[p * n + q] }
            }
            if offDiagonal <= 1e-32 * diagonal || offDiagonal == 0 { break }
            for p in 0..<n {
                for q in (p + 1)..<max(p + 1, n) where m[p * n + q] != 0 {
                    // The rotation that zeroes m[p][q] (Golub & Van Loan, Algorithm 8.4.1).
                    let theta = (m[q * n + q] - m[p * n + p]) / (2 * m[p * n + q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot()
                    let s = t * c
                    for k in 0..<n {
                        let mkp = m[k * n + p], mkq = m[k * n + q]
                        m[k * n + p] = c * mkp - s * mkq
                        m[k * n + q] = s * mkp + c * mkq
                    }
                    for k in 0..<n {
                        let mpk = m[p * n + k], mqk = m[q * n + k]
                        m[p * n + k] = c * mpk - s * mqk
                        m[q * n + k] = s * mpk + c * mqk
                    }
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        values = (0..<n).map { m[$0 * n + $0] }
        vectors = v
    }
}
