import Foundation

/// The site that `litmath serve` shows: the files of the last good build, kept in memory, and
/// the diagnostics of the latest build when it failed. Answers requests without any socket, so
/// routing, injection and the overlay are testable as plain function calls.
public final class PreviewSite: @unchecked Sendable {
    /// Where open event streams learn about new builds.
    public let hub = EventHub()
    private let lock = NSLock()
    private var files: [String: Data] = [:]
    private var failure: String?
    private var builds = 0
    /// Distinguishes this server's states from an earlier server's on the same port, so a page
    /// left open across a restart reloads when its stream reconnects.
    private let instance = String(UUID().uuidString.prefix(8)).lowercased()

    /// Creates a site with nothing built yet.
    public init() {}

    /// Whether a build has succeeded since the server started.
    public var hasSite: Bool {
        lock.lock()
        defer { lock.unlock() }
        return !files.isEmpty
    }

    /// The diagnostics of the latest build when it failed, else `nil`.
    public var currentFailure: String? {
        lock.lock()
        defer { lock.unlock() }
        return failure
    }

    /// A build succeeded: serve `files` from now on and tell every page to reload.
    public func succeeded(with files: [String: Data]) {
        lock.lock()
        self.files = files
        failure = nil
        builds += 1
        let event = ServerSentEvent(name: "reload", data: "\(builds)", id: "\(instance)-\(builds)")
        lock.unlock()
        hub.publish(event)
    }

    /// A build failed with `diagnostics` (printed text): keep serving the last good files, show
    /// the text over every page.
    public func failed(with diagnostics: String) {
        lock.lock()
        failure = diagnostics
        builds += 1
        let event = ServerSentEvent(name: "failed", data: diagnostics, id: "\(instance)-\(builds)")
        lock.unlock()
        hub.publish(event)
    }

    /// Answers a request: a file of the site (HTML pages with the live-reload snippet and, after
    /// a failed build, the overlay), the event stream, or an error status.
    public func respond(to request: HTTPRequest) -> HTTPResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            var response = HTTPResponse.text(405, "litmath serve only answers GET and HEAD\n")
            response.headers.append(("Allow", "GET, HEAD"))
            return response
        }
        guard let path = request.path else { return .text(400, "malformed path\n") }
        if path == LiveReload.eventsPath {
            let since = request.headers["last-event-id"] ?? request.query("since")
            return HTTPResponse(status: 200, headers: [("Content-Type", "text/event-stream"), ("Cache-Control", "no-store")],
                                body: .events(hub, since: since))
        }
        // Segments: no `..` (never leave the site), `.` and empty ones ignored.
        var segments: [String] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == ".." { return .text(400, "'..' is not allowed in paths\n") }
            if segment != "." { segments.append(String(segment)) }
        }
        let key = segments.joined(separator: "/")

        lock.lock()
        let files = self.files, failure = self.failure, stateID = "\(instance)-\(builds)"
        lock.unlock()

        let candidates = key.isEmpty || path.hasSuffix("/")
            ? [key.isEmpty ? "index.html" : key + "/index.html"]
            : [key, key + ".html", key + "/index.html"]
        if key == "favicon.ico" && files[key] == nil {
            // Browsers ask for it on their own; a site without one should not log a 404 each time.
            return HTTPResponse(status: 204, headers: [("Cache-Control", "no-store")], body: .data(Data()))
        }
        guard let found = candidates.first(where: { files[$0] != nil }), let data = files[found] else {
            // The site's own 404 page, where its relative links resolve (at the top level; without a
            // base URL its links are relative to the root).
            if segments.count <= 1, let notFound = files["404.html"] {
                return HTTPResponse(status: 404, headers: Self.headers(type: "text/html; charset=utf-8"),
                                    body: .chunks(LiveReload.inject(into: notFound, stateID: stateID, failure: failure)))
            }
            let title = files.isEmpty ? "No site yet" : "Not found"
            let message = files.isEmpty ? "litmath serve has not built the site yet." : "There is no page at \(path)."
            let page = HTMLNode.fragment([
                .raw("<!DOCTYPE html>\n"),
                .el("html", [("lang", "en")], [
                    .el("head", [], [.single("meta", [("charset", "utf-8")]), .el("title", [], text: title)]),
                    .el("body", [], [.el("h1", [], text: title), .el("p", [], text: message)]),
                ]),
            ]).rendered
            return HTTPResponse(status: files.isEmpty ? 503 : 404, headers: Self.headers(type: "text/html; charset=utf-8"),
                                body: .chunks(LiveReload.inject(into: Data(page.utf8), stateID: stateID, failure: failure)))
        }
        let type = Self.contentType(of: found)
        let body: HTTPResponse.Body = found.hasSuffix(".html") ? .chunks(LiveReload.inject(into: data, stateID: stateID, failure: failure)) : .data(data)
        return HTTPResponse(status: 200, headers: Self.headers(type: type), body: body)
    }

    private static func headers(type: String) -> [(String, String)] {
        [("Content-Type", type), ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")]
    }

    /// The media type of a site file, by its extension.
    static func contentType(of path: String) -> String {
        switch path.split(separator: ".").last.map({ $0.lowercased() }) ?? "" {
        case "html": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "json": "application/json"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "gif": "image/gif"
        case "webp": "image/webp"
        case "woff2": "font/woff2"
        case "woff": "font/woff"
        case "ttf": "font/ttf"
        case "otf": "font/otf"
        case "txt", "md": "text/plain; charset=utf-8"
        default: "application/octet-stream"
        }
    }
}
