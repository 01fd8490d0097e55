import Foundation

/// Compares what a build computes now with what the repository records: pinned inline values,
/// directive expectations, and the committed output. Pure: values in, findings out.
public enum Verifier {
    /// One thing that no longer matches.
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        /// The article (display path).
        public var article: String
        /// The directive id, or nil for page-level findings.
        public var directive: String?
        /// Where to look.
        public var location: SourceLocation?
        /// What differs, e.g. `"linear" t=500: 0.07858723 → 0.0791 (+0.68%)`.
        public var message: String

        public var description: String {
            "\(location.map { "\($0): " } ?? "")error: \(directive.map { "\($0): " } ?? "")\(message)"
        }
    }

    /// Where an article's expectations live, relative to the content folder.
    public static func expectationPath(for sourcePath: String) -> String {
        let stem = sourcePath.hasSuffix(".md") ? String(sourcePath.dropLast(3)) : sourcePath
        return "_expected/\(stem).txt"
    }

    /// Reads a file of the content folder that `check` and `bless` compare or rewrite (an
    /// expectation file, an article): through the project's one reader, so a link out of the
    /// folder, a device or a huge file is refused rather than read and printed; line endings
    /// normalised. `nil` when the file does not exist.
    static func readContentText(_ url: URL, content: URL) -> Result<SourceText?, ProjectFile.Refusal> {
        let root = ProjectFile.canonicalPath(content) ?? content.standardizedFileURL.path
        switch ProjectFile.read(url, within: root, limit: ProjectFile.textLimit) {
        case let .success(data):
            guard let text = String(validatingUTF8: data) else { return .failure(.unreadable("not valid UTF-8")) }
            return .success(SourceText(normalizing: text))
        case .failure(.missing):
            return .success(nil)
        case let .failure(refusal):
            return .failure(refusal)
        }
    }

    /// Pinned values that no longer hold.
    public static func checkPins(_ page: Page) -> [Finding] {
        page.inlineValues.compactMap { value in
            guard let pin = value.pin, !value.holds else { return nil }
            let now = pin.rewritten(value.computed)
            return Finding(article: page.displayPath, directive: nil, location: pin.location,
                           message: "inline value `\(value.expression)`: \(pin.text) → \(now) (\(relativeChange(pin.value, value.computed)))")
        }
    }

    /// Directive values that differ from the recorded ones.
    public static func checkExpectations(_ page: Page, recorded text: String?, file: String) -> [Finding] {
        let current = Expectations(directives: page.directives)
        guard let text else {
            if current.entries.isEmpty { return [] }
            return [Finding(article: page.displayPath, directive: nil, location: nil,
                            message: "no recorded expectations (\(file) is missing) for \(current.entries.count) directive\(current.entries.count == 1 ? "" : "s")")]
        }
        let (recorded, syntax) = Expectations.parse(text, file: file)
        var findings = syntax.map { Finding(article: page.displayPath, directive: nil, location: $0.location, message: "\(file): \($0.message)") }
        let locations = Dictionary(page.directives.map { ($0.id, $0.block.location) }, uniquingKeysWith: { a, _ in a })
        let recordedByID = Dictionary(recorded.entries.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for entry in current.entries {
            let location = locations[entry.id]
            guard let old = recordedByID[entry.id] else {
                findings.append(Finding(article: page.displayPath, directive: entry.id, location: location, message: "no recorded expectation"))
                continue
            }
            let tolerance = entry.tolerance
            let oldRecords = Dictionary(old.records.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
            for record in entry.records {
                guard let before = oldRecords[record.key] else {
                    findings.append(Finding(article: page.displayPath, directive: entry.id, location: location,
                                            message: "\(Expectations.quote(record.key)) is new (no recorded values)"))
                    continue
                }
                findings += compare(before, record, tolerance: tolerance).map {
                    Finding(article: page.displayPath, directive: entry.id, location: location, message: "\(Expectations.quote(record.key)) \($0)")
                }
            }
            for key in old.records.map(\.key) where !entry.records.contains(where: { $0.key == key }) {
                findings.append(Finding(article: page.displayPath, directive: entry.id, location: location,
                                        message: "\(Expectations.quote(key)) was recorded but is no longer computed"))
            }
        }
        for old in recorded.entries where !current.entries.contains(where: { $0.id == old.id }) {
            findings.append(Finding(article: page.displayPath, directive: old.id, location: nil,
                                    message: "recorded, but no directive has this id any more"))
        }
        return findings
    }

    /// Differences between a recorded and a current record, as `position: old → new (change)`.
    static func compare(_ old: Expectations.Record, _ new: Expectations.Record, tolerance: Tolerance) -> [String] {
        func close(_ a: Double, _ b: Double, scale: Double = 1) -> Bool {
            if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
            if a.isInfinite || b.isInfinite { return a == b }
            return abs(a - b) <= tolerance.atol * scale + tolerance.rtol * abs(a)
        }
        var differences: [String] = []
        switch (old.summary, new.summary) {
        case let (o?, n?):
            if o.count != n.count { differences.append("count: \(o.count) → \(n.count)") }
            // A sum of n values carries up to n roundings of each value's tolerance.
            let scale = Double(max(o.count, 1))
            if !close(o.sum, n.sum, scale: scale) { differences.append("sum: \(o.sum) → \(n.sum) (\(relativeChange(o.sum, n.sum)))") }
            if !close(o.sumOfSquares, n.sumOfSquares, scale: scale) {
                differences.append("sum of squares: \(o.sumOfSquares) → \(n.sumOfSquares) (\(relativeChange(o.sumOfSquares, n.sumOfSquares)))")
            }
        case (nil, nil):
            break
        default:
            differences.append("changed length: recorded \(old.summary?.count ?? old.samples.count) values, now \(new.summary?.count ?? new.samples.count)")
            return differences
        }
        let oldSamples = Dictionary(old.samples.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        for (position, value) in new.samples {
            guard let before = oldSamples[position] else {
                differences.append("\(position): new value \(value)")
                continue
            }
            if !close(before, value) { differences.append("\(position): \(before) → \(value) (\(relativeChange(before, value)))") }
        }
        for (position, _) in old.samples where !new.samples.contains(where: { $0.0 == position }) {
            differences.append("\(position): recorded but no longer computed")
        }
        return differences
    }

    static func relativeChange(_ old: Double, _ new: Double) -> String {
        guard old != 0, old.isFinite, new.isFinite else { return "was \(old)" }
        let change = (new - old) / abs(old)
        return String(format: "%+.3g%%", change * 100)
    }

    /// Output files that differ from those a build would write now.
    public static func checkOutput(expected: [String: Data], actual: [String: Data], outputName: String) -> [Finding] {
        var findings: [Finding] = []
        for path in expected.keys.sorted() {
            if actual[path] == nil {
                findings.append(Finding(article: outputName, directive: nil, location: nil, message: "\(outputName)/\(path) is missing"))
            } else if actual[path] != expected[path] {
                findings.append(Finding(article: outputName, directive: nil, location: nil, message: "\(outputName)/\(path) is stale"))
            }
        }
        for path in actual.keys.sorted() where expected[path] == nil {
            findings.append(Finding(article: outputName, directive: nil, location: nil, message: "\(outputName)/\(path) would not be written by a build"))
        }
        return findings
    }

    /// Broken links between pages and anchors within them, read from the rendered HTML.
    public static func checkLinks(pages: [Page], files: [String: Data]) -> [Finding] {
        var ids: [String: Set<String>] = [:]
        var html: [String: String] = [:]
        for (path, data) in files where path.hasSuffix(".html") {
            let text = String(decoding: data, as: UTF8.self)
            html[path] = text
            ids[path] = Set(attributeValues("id", in: text))
        }
        var findings: [Finding] = []
        for page in pages {
            guard let text = html[page.outputPath] else { continue }
            let directory = (page.outputPath as NSString).deletingLastPathComponent
            for href in Set(attributeValues("href", in: text)).sorted() {
                // External (an allowed scheme, or protocol-relative): not ours to check. Refused
                // schemes never reach a page (URLPolicy).
                guard URLPolicy.scheme(of: href) == nil, !href.hasPrefix("//") else { continue }
                let parts = href.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                let target: String
                if parts[0].isEmpty {
                    target = page.outputPath
                } else {
                    // NSString's standardizingPath keeps `..` in relative paths: resolve it by hand.
                    target = normalized((directory as NSString).appendingPathComponent(parts[0]))
                }
                guard files[target] != nil else {
                    findings.append(Finding(article: page.displayPath, directive: nil, location: nil, message: "broken link '\(href)': \(target) does not exist"))
                    continue
                }
                if parts.count > 1, !parts[1].isEmpty, target.hasSuffix(".html"), !(ids[target]?.contains(parts[1]) ?? false) {
                    findings.append(Finding(article: page.displayPath, directive: nil, location: nil, message: "broken anchor '\(href)': \(target) has no id '\(parts[1])'"))
                }
            }
        }
        return findings
    }

    /// `a/b/../c` → `a/c`, `./a` → `a`; a `..` above the top is kept (and so matches no file).
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for component in path.split(separator: "/") {
            if component == "." { continue }
            if component == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
            parts.append(component)
        }
        return parts.joined(separator: "/")
    }

    /// Values of `name="…"` attributes in our own deterministic markup (a byte scan: pages with
    /// large plots are hundreds of kilobytes, and this runs on every build).
    static func attributeValues(_ name: String, in html: String) -> [String] {
        let marker = Array(" \(name)=\"".utf8)
        var result: [String] = []
        var html = html
        html.withUTF8 { bytes in
            var i = 0
            let n = bytes.count, m = marker.count
            while i + m <= n {
                if bytes[i] == marker[0], bytes[i + 1] == marker[1] {
                    var match = true
                    for k in 2..<m where bytes[i + k] != marker[k] { match = false; break }
                    if match {
                        let start = i + m
                        var end = start
                        while end < n, bytes[end] != UInt8(ascii: "\"") { end += 1 }
                        let value = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
                        result.append(value.contains("&") ? value.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&") : value)
                        i = end
                        continue
                    }
                }
                i += 1
            }
        }
        return result
    }
}
