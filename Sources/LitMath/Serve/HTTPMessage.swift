import Foundation

/// A request as the preview server understands it: a method and a decoded path, nothing more.
public struct HTTPRequest: Sendable, Equatable {
    /// `GET`, `HEAD`, …
    public var method: String
    /// The request target as sent, e.g. `/ddpm.html?x=1`.
    public var target: String
    /// Header fields with lower-cased names.
    public var headers: [String: String]

    /// Creates a request.
    public init(method: String, target: String, headers: [String: String] = [:]) {
        self.method = method
        self.target = target
        self.headers = headers
    }

    /// The path without query or fragment, percent-decoded; `nil` when it is not valid UTF-8
    /// percent-encoding.
    public var path: String? {
        let raw = target.prefix { $0 != "?" && $0 != "#" }
        return String(raw).removingPercentEncoding
    }

    /// The value of query parameter `name`, percent-decoded.
    public func query(_ name: String) -> String? {
        guard let start = target.firstIndex(of: "?") else { return nil }
        for pair in target[target.index(after: start)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.first.map(String.init) == name {
                return parts.count > 1 ? String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding : ""
            }
        }
        return nil
    }

    /// Parses the head of a request (request line and header fields, without the blank line).
    /// Returns `nil` for anything that is not an HTTP/1.x request.
    public static func parse(head: String) -> HTTPRequest? {
        var lines = head.components(separatedBy: "\r\n")
        guard !lines.isEmpty else { return nil }
        let requestLine = lines.removeFirst().split(separator: " ", omittingEmptySubsequences: false)
        guard requestLine.count == 3, requestLine[2].hasPrefix("HTTP/1."), requestLine[1].hasPrefix("/"),
              !requestLine[0].isEmpty, requestLine[0].allSatisfy({ $0.isASCII && $0.isUppercase }) else { return nil }
        var headers: [String: String] = [:]
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = value
        }
        return HTTPRequest(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers)
    }
}

/// A response of the preview server: bytes, or a stream of server-sent events.
public struct HTTPResponse: Sendable {
    /// What follows the header.
    public enum Body: Sendable {
        /// A complete body.
        case data(Data)
        /// A complete body in pieces sent one after the other (a page with the live-reload
        /// snippet spliced in), so the page's bytes are shared, never copied per request.
        case chunks([Data])
        /// `text/event-stream`: the connection stays open and gets each build's outcome from the
        /// hub, starting with the current one when the client's `since` is out of date.
        case events(EventHub, since: String?)
    }

    /// The status code.
    public var status: Int
    /// Header fields, in order (Content-Length and Connection are added when sent).
    public var headers: [(String, String)]
    /// The body.
    public var body: Body

    /// Creates a response.
    public init(status: Int, headers: [(String, String)], body: Body) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The body's bytes (empty for an event stream). For a body in pieces this joins them into
    /// a copy: for tests and small bodies, never on the server's path.
    public var data: Data {
        switch body {
        case let .data(data): data
        case let .chunks(chunks): chunks.reduce(into: Data()) { $0.append($1) }
        case .events: Data()
        }
    }

    /// The value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    /// A plain-text response.
    static func text(_ status: Int, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], body: .data(Data(text.utf8)))
    }

    /// The reason phrase of the status codes the server sends.
    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 204: "No Content"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 431: "Request Header Fields Too Large"
        case 503: "Service Unavailable"
        default: "Status \(status)"
        }
    }
}
