import Foundation

/// Runs a real headless Chromium (Debian's `chromium`) on a page and returns what a script
/// measured in it.
///
/// The script is injected into a copy of the page (the site is copied so relative assets
/// resolve). It must end by calling `window.__litmathReport(value)`; the value comes back as JSON
/// through `--dump-dom`, after the page, its fonts and the script's promises have settled.
enum Browser {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func chromium() throws -> String {
        for candidate in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"] where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw Failure(description: "headless Chromium not found; install it with 'apt-get install chromium'")
    }

    static func evaluate(site: URL, page: String, script: String) throws -> Any {
        let work = try TestSite.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let copy = work.appendingPathComponent("site")
        try FileManager.default.copyItem(at: site, to: copy)
        let pageURL = copy.appendingPathComponent(page)
        var html = try String(contentsOf: pageURL, encoding: .utf8)
        let harness = """
        <script>
        window.__litmathReport = (value) => {
          const json = JSON.stringify(value);
          const bytes = new TextEncoder().encode(json);
          let binary = ''; for (const b of bytes) binary += String.fromCharCode(b);
          document.documentElement.setAttribute('data-litmath-report', btoa(binary));
        };
        window.addEventListener('load', () => { Promise.resolve().then(async () => { \(script) }).catch(e => window.__litmathReport({ error: String(e) })); });
        </script>
        """
        guard let end = html.range(of: "</body>", options: .backwards) else { throw Failure(description: "\(page) has no </body>") }
        html.replaceSubrange(end, with: harness + "</body>")
        try html.write(to: pageURL, atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try chromium())
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                             "--user-data-dir=\(work.appendingPathComponent("profile").path)",
                             "--virtual-time-budget=10000", "--window-size=1280,900", "--dump-dom", pageURL.absoluteString]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let dom = String(decoding: data, as: UTF8.self)
        guard let start = dom.range(of: "data-litmath-report=\""),
              let stop = dom[start.upperBound...].firstIndex(of: "\""),
              let decoded = Data(base64Encoded: String(dom[start.upperBound..<stop])) else {
            throw Failure(description: "the page script reported nothing (chromium exit \(process.terminationStatus)); DOM starts: \(dom.prefix(300))")
        }
        return try JSONSerialization.jsonObject(with: decoded)
    }
}
