import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP client for tests of `litmath serve`: plain sockets to 127.0.0.1 only, every
/// read bounded by a deadline. (FoundationNetworking's URLSession cannot hand out an event
/// stream as it arrives on Linux.)
enum LoopbackHTTP {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    struct Response {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    /// Connects to 127.0.0.1:`port`; the socket's reads time out after 100 ms so callers can
    /// check their deadlines.
    static func connect(port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = in_addr_t(0x7f00_0001).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw Failure(description: "connect to 127.0.0.1:\(port): \(message)")
        }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    static func send(_ fd: Int32, _ text: String) throws {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw Failure(description: "send: \(String(cString: strerror(errno)))") }
            offset += sent
        }
    }

    /// Reads what is available, waiting at most until `deadline`; `nil` at end of stream.
    static func read(_ fd: Int32, until deadline: Date) throws -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while Date() < deadline {
            let count = recv(fd, &chunk, chunk.count, 0)
            if count > 0 { return Array(chunk[0..<count]) }
            if count == 0 { return nil }
            if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
                throw Failure(description: "recv: \(String(cString: strerror(errno)))")
            }
        }
        return []
    }

    /// `GET path` (or another method), read to the end (the server closes every connection).
    static func request(_ method: String = "GET", _ path: String, port: UInt16, headers: [String: String] = [:], timeout: TimeInterval = 10) throws -> Response {
        let fd = try connect(port: port)
        defer { close(fd) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        try send(fd, head + "\r\n")
        let deadline = Date(timeIntervalSinceNow: timeout)
        var data = [UInt8]()
        while true {
            guard let chunk = try read(fd, until: deadline) else { break }
            guard Date() < deadline else { throw Failure(description: "\(method) \(path): no complete answer within \(timeout) s") }
            data += chunk
        }
        let text = String(decoding: data, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw Failure(description: "\(method) \(path): no header in \(text.prefix(200))") }
        var lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw Failure(description: "bad status line") }
        var fields: [String: String] = [:]
        for line in lines {
            if let colon = line.firstIndex(of: ":") {
                fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return Response(status: status, headers: fields, body: String(text[split.upperBound...]))
    }

    /// An open `text/event-stream`.
    final class EventStream {
        struct Event: Equatable {
            var name: String
            var data: String
            var id: String?
        }

        let fd: Int32
        private var buffer = ""
        private(set) var headers = ""
        private(set) var ended = false

        init(port: UInt16, path: String, timeout: TimeInterval = 10) throws {
            fd = try LoopbackHTTP.connect(port: port)
            try LoopbackHTTP.send(fd, "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/event-stream\r\n\r\n")
            let deadline = Date(timeIntervalSinceNow: timeout)
            while !buffer.contains("\r\n\r\n") {
                guard let chunk = try LoopbackHTTP.read(fd, until: deadline) else { throw Failure(description: "stream closed before its header") }
                guard Date() < deadline else { throw Failure(description: "no stream header within \(timeout) s") }
                buffer += String(decoding: chunk, as: UTF8.self)
            }
            let split = buffer.range(of: "\r\n\r\n")!
            headers = String(buffer[..<split.lowerBound])
            buffer = String(buffer[split.upperBound...])
        }

        deinit { close(fd) }

        /// The next event (comments and `retry:` skipped), or `nil` when the stream ends first.
        /// Throws when nothing arrives within `timeout` seconds.
        func next(timeout: TimeInterval = 15) throws -> Event? {
            let deadline = Date(timeIntervalSinceNow: timeout)
            while true {
                while let end = buffer.range(of: "\n\n") {
                    let block = buffer[..<end.lowerBound]
                    buffer = String(buffer[end.upperBound...])
                    var name = "message", data: [String] = [], id: String?
                    for line in block.split(separator: "\n") {
                        if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                        if line.hasPrefix("data: ") { data.append(String(line.dropFirst(6))) }
                        if line.hasPrefix("id: ") { id = String(line.dropFirst(4)) }
                    }
                    if !data.isEmpty || id != nil { return Event(name: name, data: data.joined(separator: "\n"), id: id) }
                }
                guard let chunk = try LoopbackHTTP.read(fd, until: deadline) else { ended = true; return nil }
                guard Date() < deadline || !chunk.isEmpty else { throw Failure(description: "no event within \(timeout) s") }
                buffer += String(decoding: chunk, as: UTF8.self)
            }
        }
    }
}
