import Testing
@testable import LitMath

@Suite("Front matter as real sites write it")
struct FrontMatterTests {
    @Test("Dates as Jekyll and YAML write them are accepted, by their day", arguments: [
        ("2024-01-15", "2024-01-15"), ("2024-01-15 10:00:00 +0800", "2024-01-15"), ("2024-01-15T10:00:00Z", "2024-01-15"),
        ("2024-02-29 23:59", "2024-02-29"), ("2024-01-15 10:00:00.5 -05:00", "2024-01-15"), ("2024-01-15 10:00 +08", "2024-01-15"),
    ])
    func dates(_ written: String, _ day: String) {
        let (matter, _, diagnostics) = FrontMatterParser.split("---\ndate: \(written)\n---\n\nText.\n", file: "p.md")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(matter.date == day)
    }

    @Test("Dates that do not exist or are not dates are errors at the value", arguments: ["2023-02-29", "2024-13-01", "yesterday", "2024-01-15 25:00", "2024-01-15 10:00 +8"])
    func badDates(_ written: String) {
        let (_, _, diagnostics) = FrontMatterParser.split("---\ntitle: T\ndate: \(written)\n---\n", file: "p.md")
        #expect(diagnostics.map(\.location?.line) == [3])
        #expect(diagnostics.first?.message.hasPrefix("'date' must be a date") == true)
    }

    @Test("Tags may be a list or one space-separated string, as in Jekyll")
    func tags() {
        let (list, _, d1) = FrontMatterParser.split("---\ntags: [sampling, ddim]\n---\n", file: "p.md")
        let (words, _, d2) = FrontMatterParser.split("---\ntags: sampling ddim  schedules\n---\n", file: "p.md")
        #expect(d1.isEmpty && d2.isEmpty)
        #expect(list.tags == ["sampling", "ddim"])
        #expect(words.tags == ["sampling", "ddim", "schedules"])
    }
}
