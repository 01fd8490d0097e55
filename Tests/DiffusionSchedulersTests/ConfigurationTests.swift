import DiffusionSchedulers
import Testing

/// Hostile configuration values must come back as errors, never as a crash.
@Suite("Configurations against hostile values")
struct HostileConfigurationTests {
    static let values: [ConfigValue] = [
        .double(1e300), .double(-1e300), .double(.nan), .double(.infinity), .double(-0.0),
        .int(Int.max), .int(Int.min), .int(-1), .int(0), .string("x"), .array([]), .array([.double(.nan)]), .null, .bool(true),
    ]

    @Test("Every key of every scheduler class, with every hostile value: built or refused, and if built, it sets 10 timesteps or refuses",
          arguments: SchedulerCatalog.keysByClassName.keys.sorted())
    func hostile(_ className: String) {
        var built = 0, refused = 0
        for key in SchedulerCatalog.keysByClassName[className] ?? [] {
            for value in Self.values {
                do {
                    let scheduler = try SchedulerFactory.make(className: className, config: [key: value])
                    built += 1
                    _ = try? scheduler.setTimesteps(10)
                } catch {
                    refused += 1
                    #expect(error.key != nil, "\(className) \(key)=\(value): \(error)")
                }
            }
        }
        #expect(refused > 0 && built > 0)
    }

    @Test("A sequence length out of Int's range is an error naming the key")
    func flowSequenceLength() {
        #expect(throws: SchedulerError.self) {
            try FlowMatchEulerDiscreteSchedulerConfiguration(values: ["base_image_seq_len": .double(1e300)])
        }
        do {
            _ = try FlowMatchEulerDiscreteSchedulerConfiguration(values: ["max_image_seq_len": .double(.nan)])
            Issue.record("NaN was accepted")
        } catch {
            #expect(error.key == "max_image_seq_len")
        }
    }
}
