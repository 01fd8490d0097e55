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
    /// Whether to print step-by-step progress (on a terminal).
    public var showsProgress: Bool

    /// Creates the action.
    public init(content: URL, output: URL, showsProgress: Bool = false, log: @escaping @Sendable (String) -> Void) {
        self.content = content
        self.output = output
        self.showsProgress = showsProgress
        self.log = log
    }

    /// Runs the build; returns the process exit code.
    public func run() -> Int32 {
        let start = Date()
        let log = self.log
        let showsProgress = self.showsProgress
        let builder = SiteBuilder(contentDirectory: content, outputDirectory: output, progress: { step in
            if showsProgress { log("• \(step)\n") }
        })
        let report = builder.build()
        let formatter = DiagnosticFormatter(sources: report.sources)
        if !report.diagnostics.isEmpty { log(formatter.format(report.diagnostics)) }
        let errors = report.diagnostics.filter { $0.severity == .error }.count
        let warnings = report.diagnostics.filter { $0.severity == .warning }.count
        if errors > 0 {
            log("build failed: \(errors) error\(errors == 1 ? "" : "s")\(warnings > 0 ? ", \(warnings) warning\(warnings == 1 ? "" : "s")" : ""); '\(SiteBuilder.displayPath(output))' was not changed\n")
            return report.isSetupFailure ? 2 : 1
        }
        let seconds = Date().timeIntervalSince(start)
        log("built \(report.pagesWritten) page\(report.pagesWritten == 1 ? "" : "s") into '\(SiteBuilder.displayPath(output))' in \(String(format: "%.2f", seconds)) s\(warnings > 0 ? " (\(warnings) warning\(warnings == 1 ? "" : "s"))" : "")\n")
        return 0
    }
}
