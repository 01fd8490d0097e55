import Foundation

/// `litmath build` as a library call: builds the site, prints diagnostics, returns the exit code.
///
/// Exit codes: 0 built, 1 the content has errors, 2 setup or internal errors (missing tools,
/// unreadable folders, an output folder that is not litmath's).
public struct BuildAction: Sendable {
    /// The content folder.
    public var content: URL
    /// The output folder.
    public var output: URL
    /// Where diagnostics and progress go.
    public var log: @Sendable (String) -> Void
    /// Whether `log` goes to a terminal: then a build that runs longer than a second shows its
    /// current step on one updating line (see `BuildProgress`).
    public var showsProgress: Bool
    /// The cache folder (`nil`: no cache).
    public var cache: URL?
    /// Empty the cache first, forcing a full build.
    public var clean: Bool = false

    /// Creates the action.
    public init(content: URL, output: URL, cache: URL? = nil, clean: Bool = false, showsProgress: Bool = false,
                log: @escaping @Sendable (String) -> Void) {
        self.cache = cache
        self.clean = clean
        self.content = content
        self.output = output
        self.showsProgress = showsProgress
        self.log = log
    }

    /// Runs the build; returns the process exit code.
    public func run() -> Int32 {
        let start = Date()
        let log = self.log
        var buildCache: BuildCache?
        if let cache {
            do {
                switch try CacheFolder.open(cache, content: content, output: output, clean: clean) {
                case let .ready(directory, secret):
                    buildCache = BuildCache(directory: directory, secret: secret)
                case let .foreign(why):
                    log("warning: \(why)\n")
                }
            } catch {
                log("error: \(error)\n")
                return 2
            }
        }
        let progress = BuildProgress(isTerminal: showsProgress, write: log)
        var builder = SiteBuilder(contentDirectory: content, outputDirectory: output, cache: buildCache,
                                  progress: { progress.begin($0) })
        builder.notice = { progress.note($0) }
        let report = builder.build()
        progress.finish()
        let formatter = DiagnosticFormatter(sources: report.sources)
        if !report.diagnostics.isEmpty { log(formatter.format(report.diagnostics)) }
        let errors = report.diagnostics.filter { $0.severity == .error }.count
        let warnings = report.diagnostics.filter { $0.severity == .warning }.count
        if errors > 0 {
            log("build failed: \(errors) error\(errors == 1 ? "" : "s")\(warnings > 0 ? ", \(warnings) warning\(warnings == 1 ? "" : "s")" : ""); '\(SiteBuilder.displayPath(output))' was not changed\n")
            return report.isSetupFailure ? 2 : 1
        }
        let seconds = Date().timeIntervalSince(start)
        if report.upToDate {
            log("'\(SiteBuilder.displayPath(output))' is up to date (\(report.pages.count) page\(report.pages.count == 1 ? "" : "s"), checked in \(String(format: "%.2f", seconds)) s)\(warnings > 0 ? " (\(warnings) warning\(warnings == 1 ? "" : "s"))" : "")\n")
            return 0
        }
        log("built \(report.pagesWritten) page\(report.pagesWritten == 1 ? "" : "s") into '\(SiteBuilder.displayPath(output))' in \(String(format: "%.2f", seconds)) s\(warnings > 0 ? " (\(warnings) warning\(warnings == 1 ? "" : "s"))" : "")\n")
        return 0
    }
}
