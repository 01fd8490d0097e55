import Testing
@testable import DiffusionSchedulers

/// Properties of the torch-emulating kernels that hold for every input, checked on many.
@Suite struct TorchMathTests {
    @Test func mklSqrtIsFaithfulAndExactOnSquares() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<200_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let x = Float(bitPattern: UInt32(truncatingIfNeeded: state >> 33) & 0x7FFF_FFFF)
            guard x.isFinite else { continue }
            let got = TorchNumerics.sqrt(x)
            let exact = x.squareRoot()
            // Within one ulp of the IEEE result, never further.
            #expect(abs(Int64(got.bitPattern) - Int64(exact.bitPattern)) <= 1, "sqrt(\(x))")
        }
        #expect(TorchNumerics.sqrt(0) == 0)
        #expect(TorchNumerics.sqrt(-1).isNaN)
        #expect(TorchNumerics.sqrt(.infinity) == .infinity)
    }

    @Test func linspaceEndpointsAndSplit() {
        let v = TorchNumerics.linspace(0.0001, 0.02, count: 1000)
        #expect(v.first == Float(0.0001))
        #expect(v.last == Float(0.02))
        #expect(TorchNumerics.linspace(3, 5, count: 1) == [3])
        #expect(TorchNumerics.linspace(3, 5, count: 0).isEmpty)
    }

    @Test func numpyTrailingArangeHandlesThirds() {
        // diffusers' comment: "casting to int to avoid issues when num_inference_step is power of 3".
        #expect(TimestepSpacing.trailing.ddpmTimesteps(numInferenceSteps: 3, numTrainTimesteps: 1000, stepsOffset: 0) == [999, 666, 332])
    }
}
