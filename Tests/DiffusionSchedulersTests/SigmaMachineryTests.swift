import Foundation
import Testing
@testable import DiffusionSchedulers

/// The shared sigma machinery: scipy's Beta quantile, numpy's float32 log, np.interp and the φ kernels.
@Suite struct SigmaMachineryTests {
    @Test func betaQuantileAgreesWithScipyToAFewUlps() {
        let q = doublesFromHex(SolverFixtures.betaPPF.q)
        let want = doublesFromHex(SolverFixtures.betaPPF.ppf)
        var worstAbsolute = 0.0, exact = 0
        for (p, w) in zip(q, want) {
            let got = IncompleteBeta.inverse(p, a: 0.6, b: 0.6)
            worstAbsolute = max(worstAbsolute, abs(got - w))
            if got == w { exact += 1 }
        }
        // Measured: max |error| 1.2e-15 (about 5 units of 2⁻⁵³ at 1), i.e. far below a float32 ulp.
        #expect(worstAbsolute < 4e-15, "max |ppf error| \(worstAbsolute)")
        ParityReport.shared.record("beta ppf vs scipy", error: worstAbsolute, bitExact: exact == q.count)
        #expect(IncompleteBeta.inverse(0, a: 0.6, b: 0.6) == 0)
        #expect(IncompleteBeta.inverse(1, a: 0.6, b: 0.6) == 1)
        #expect(IncompleteBeta.inverse(.nan, a: 0.6, b: 0.6).isNaN)
    }

    @Test func incompleteBetaIsSymmetricAndMonotone() {
        var last = 0.0
        for i in 1..<100 {
            let x = Double(i) / 100
            let value = IncompleteBeta.regularized(x, a: 0.6, b: 0.6)
            #expect(value > last)
            #expect(abs(value + IncompleteBeta.regularized(1 - x, a: 0.6, b: 0.6) - 1) < 1e-14)
            last = value
        }
    }

    @Test func numpyInterpolationHitsKnotsExactlyAndClampsOutside() {
        let table: [Float] = [0.5, 1.5, 4.0, 9.0]
        #expect(NumpyMath.interpOverIndices(2, table) == 4.0)
        #expect(NumpyMath.interpOverIndices(2.5, table) == 6.5)
        #expect(NumpyMath.interpOverIndices(-1, table) == 0.5)
        #expect(NumpyMath.interpOverIndices(7, table) == 9.0)
        #expect(NumpyMath.interp(0.25, xp: [0, 1], fp: [2, 6]) == 3)
    }

    @Test func sleefExpm1IsExactOnSpecialValues() {
        #expect(SleefMath.expm1(0) == 0)
        #expect(SleefMath.expm1(-0.0).sign == .minus)
        #expect(SleefMath.expm1(100) == .infinity)
        #expect(SleefMath.expm1(-100) == -1)
        #expect(SleefMath.expm1(.nan).isNaN)
        #expect(abs(SleefMath.expm1(1e-3) - 1.0005001667e-3) < 1e-12)
        #expect(SleefMath.exp(-.infinity) == 0)
        #expect(SleefMath.exp(.infinity) == .infinity)
    }

    @Test func timestepForSigmaInvertsTheTable() throws {
        let table = TrainingSigmas(schedule: try NoiseSchedule(), floorTerminalAlpha: false)
        for t in [0, 1, 250, 500, 998, 999] {
            let value = table.timestep(forSigma: Double(table.sigmas[t]))
            #expect(abs(value - Double(t)) < 1e-3, "t=\(t): \(value)")
        }
        #expect(table.timestep(forSigma: 1e6) == 999)
        #expect(table.timestep(forSigma: 0) == 0)
    }
}
