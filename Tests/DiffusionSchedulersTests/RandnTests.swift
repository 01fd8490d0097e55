import Testing
@testable import DiffusionSchedulers

/// `TorchGenerator.randn` against CPU torch: bit-identical.
@Suite struct RandnTests {
    @Test(arguments: Fixtures.randn)
    func randnIsBitIdentical(_ fixture: RandnFixture) {
        let generator = TorchGenerator(seed: fixture.seed)
        var values: [Float] = []
        for count in fixture.calls { values += generator.randn(count: count) }
        #expect(fnv1a64(values) == fixture.fnv1a)
        if let bits = fixture.bits {
            #expect(values.map(\.bitPattern) == floatsFromHex(bits).map(\.bitPattern))
        }
        if let head = fixture.head, let tail = fixture.tail {
            #expect(values.prefix(16).map(\.bitPattern) == floatsFromHex(head).map(\.bitPattern))
            #expect(values.suffix(16).map(\.bitPattern) == floatsFromHex(tail).map(\.bitPattern))
        }
        #expect(abs(values.reduce(0.0) { $0 + Double($1) } - fixture.sum) <= 1e-9 * max(1, abs(fixture.sum)))
    }

    @Test func referenceValuesFromTheParityNotes() {
        // shared/reference/torch_randn_values.txt: the scalar path caches the second normal.
        let g = TorchGenerator(seed: 0)
        #expect(g.randn(count: 1) == [1.5409960746765137])
        #expect(g.randn(count: 1) == [-0.293428897857666])
        let v = TorchGenerator(seed: 42).randn(count: 16)
        #expect(v[0].bitPattern == 0x3FF6_A4E4 || v[0] == 1.9269152879714966)
    }
}
