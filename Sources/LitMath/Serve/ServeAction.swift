import Foundation

/// `litmath serve` as a library call: build the content in memory, serve it on 127.0.0.1,
/// rebuild when a content file changes, and tell open pages to reload (or show the errors).
///
/// The site is served from memory, so `serve` never touches `site/`; with `output` set, every
/// good build is also written there, atomically, like `litmath build` does. A failed build
/// changes nothing that is served except the error overlay: the last good site stays up.
public struct ServeAction: Sendable {
    /// The content folder.
    public var content: URL
    /// A folder to also write every good build into (`nil`: memory only).
    public var output: URL?
    /// The port on 127.0.0.1 (0: any free port).
    public var port: UInt16
    /// How often the content folder is polled, in seconds.
    public var pollInterval: TimeInterval
    /// How long the content must stay unchanged before a rebuild, in seconds.
    public var quietPeriod: TimeInterval
    /// Where diagnostics and progress go.
    public var log: @Sendable (String) -> Void

    /// Creates the action.
    public init(content: URL, output: URL? = nil, port: UInt16 = 8000, pollInterval: TimeInterval = 0.25,
                quietPeriod: TimeInterval = 0.15, log: @escaping @Sendable (String) -> Void) {
        self.content = content
        self.output = output
        self.port = port
        self.pollInterval = pollInterval
        self.quietPeriod = quietPeriod
        self.log = log
    }

    /// Binds the port, builds once, and starts serving and watching. Throws when the port is
    /// taken or the first build cannot run at all (no content folder, no KaTeX); content errors
    /// do not throw: they are printed and shown in the browser until fixed.
    public func start() throws(ServeError) -> PreviewServer {
        let site = PreviewSite()
        let server = try HTTPServer(port: port) { request in site.respond(to: request) }
        let watcher = ContentWatcher(directory: content)
        let fingerprint = watcher.fingerprint()
        let outcome = build(into: site, isFirst: true)
        if case let .setupFailure(message) = outcome {
            server.stop(timeout: 0)
            throw .setup(message)
        }
        server.start()
        let preview = PreviewServer(action: self, site: site, server: server, watcher: watcher)
        log("serving \(SiteBuilder.displayPath(content)) at \(preview.url.absoluteString) (Ctrl-C to stop)\n")
        preview.startWatching(from: fingerprint)
        return preview
    }

    enum Outcome: Equatable {
        case built, contentErrors, setupFailure(String)
    }

    /// Builds the content in memory, publishes the result to `site`, and prints the outcome.
    /// A setup failure of the first build (no content folder, no KaTeX) is returned, not printed
    /// or published: the caller stops there. Later, the same failure (say, the content folder
    /// was renamed) is shown like a content error, and the server keeps running.
    func build(into site: PreviewSite, isFirst: Bool = false) -> Outcome {
        let start = Date()
        // render() never writes; the builder's output folder only matters to build(), unused here.
        let builder = SiteBuilder(contentDirectory: content, outputDirectory: output ?? content)
        var (files, report) = builder.render()
        if report.succeeded, let output {
            do {
                try OutputWriter.write(files, to: output, waiting: { log($0) })
            } catch {
                report.diagnostics.append(.error("output", "cannot write the site: \(error)", at: nil))
                report.isSetupFailure = true
                files = [:]
            }
        }
        let formatter = DiagnosticFormatter(sources: report.sources)
        let diagnostics = formatter.format(report.diagnostics)
        let errors = report.diagnostics.filter { $0.severity == .error }.count
        let warnings = report.diagnostics.filter { $0.severity == .warning }.count
        if errors > 0 && isFirst && report.isSetupFailure {
            return .setupFailure(report.diagnostics.filter { $0.severity == .error }.map(\.message).joined(separator: "\n"))
        }
        if errors > 0 {
            let summary = "build failed: \(errors) error\(errors == 1 ? "" : "s")"
                + (site.hasSite ? "; still serving the last good build\n" : "; nothing to serve until it is fixed\n")
            log(diagnostics + summary)
            site.failed(with: diagnostics + summary)
            return .contentErrors
        }
        if !diagnostics.isEmpty { log(diagnostics) }
        site.succeeded(with: files)
        let seconds = String(format: "%.2f", Date().timeIntervalSince(start))
        let written = output.map { " and wrote '\(SiteBuilder.displayPath($0))'" } ?? ""
        log("built \(report.pagesWritten) page\(report.pagesWritten == 1 ? "" : "s")\(written) in \(seconds) s"
            + (warnings > 0 ? " (\(warnings) warning\(warnings == 1 ? "" : "s"))" : "") + "\n")
        return .built
    }
}

/// A running `litmath serve`: the HTTP server and the thread that rebuilds on change.
public final class PreviewServer: @unchecked Sendable {
    /// What is served.
    public let site: PreviewSite
    /// The port on 127.0.0.1.
    public var port: UInt16 { server.port }
    /// The site's address.
    public var url: URL { URL(string: "http://127.0.0.1:\(port)/")! }

    private let action: ServeAction
    private let server: HTTPServer
    private let watcher: ContentWatcher
    private let condition = NSCondition()
    private var stopRequested = false
    private var watching = false

    init(action: ServeAction, site: PreviewSite, server: HTTPServer, watcher: ContentWatcher) {
        self.action = action
        self.site = site
        self.server = server
        self.watcher = watcher
    }

    func startWatching(from fingerprint: [ContentWatcher.Entry]) {
        condition.lock()
        watching = true
        condition.unlock()
        let thread = Thread { [self] in
            var last = fingerprint
            while let next = watcher.waitForChange(from: last, interval: action.pollInterval, quiet: action.quietPeriod,
                                                   shouldStop: { self.isStopping }) {
                last = next
                action.log("change in \(SiteBuilder.displayPath(action.content)); rebuilding\n")
                _ = action.build(into: site)
            }
            condition.lock()
            watching = false
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "litmath-serve-watch"
        thread.start()
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopRequested
    }

    /// Stops serving: event streams end, connections close, the watcher finishes its current
    /// build (waiting at most `timeout` seconds). Safe to call more than once, from any thread.
    public func stop(timeout: TimeInterval = 10) {
        condition.lock()
        let first = !stopRequested
        stopRequested = true
        condition.broadcast()
        condition.unlock()
        if first {
            site.hub.close()
            server.stop()
        }
        condition.lock()
        let deadline = Date(timeIntervalSinceNow: timeout)
        while watching {
            if !condition.wait(until: deadline) { break }
        }
        condition.unlock()
    }

    /// Blocks until `stop()` has been called (from another thread, or a signal handler's queue).
    public func waitUntilStopped() {
        condition.lock()
        while !stopRequested { condition.wait() }
        condition.unlock()
    }
}
