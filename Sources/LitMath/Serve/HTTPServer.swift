import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 server for previews: loopback only, GET and HEAD, one thread per
/// connection, `Connection: close` on every response, and server-sent event streams.
///
/// Every blocking call is bounded: accepting polls every 200 ms for the stop flag, reads and
/// writes time out after 5 s, and event streams wake at least every 250 ms.
public final class HTTPServer: @unchecked Sendable {
    /// The port the server listens on (the one the system chose when asked for port 0).
    public let port: UInt16
    private let listener: Int32
    private let handler: @Sendable (HTTPRequest) -> HTTPResponse
    private let condition = NSCondition()
    private var isRunning = false
    private var started = false
    private var listenerClosed = false
    private var acceptLoopDone = true
    private var connections = 0
    /// More simultaneous connections than a person previewing pages needs; beyond it, 503.
    static let maxConnections = 64
    static let maxHeadBytes = 16_384

    /// Binds 127.0.0.1:`port` (0 for any free port). Requests are answered by `handler`.
    public init(port: UInt16, handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse) throws(ServeError) {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .socket(String(cString: strerror(errno))) }
        var yes: Int32 = 1
        // Lets a restarted server bind while old connections linger in TIME_WAIT; a port with a
        // live listener is still refused.
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = in_addr_t(0x7f00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            let code = errno
            Glibc.close(fd)
            switch code {
            case EADDRINUSE: throw .portInUse(port)
            case EACCES: throw .portNotPermitted(port)
            default: throw .socket(String(cString: strerror(code)))
            }
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.port = UInt16(bigEndian: actual.sin_port)
        self.listener = fd
    }

    /// Starts accepting connections on a thread of its own.
    public func start() {
        condition.lock()
        guard !started && !listenerClosed else { condition.unlock(); return }
        started = true
        isRunning = true
        acceptLoopDone = false
        condition.unlock()
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "litmath-serve-accept"
        thread.start()
    }

    /// Stops accepting, ends open connections and event streams, and waits for them, at most
    /// `timeout` seconds. Safe to call more than once.
    public func stop(timeout: TimeInterval = 3) {
        condition.lock()
        isRunning = false
        if !started && !listenerClosed {
            // Never started: no accept loop will close the socket.
            Glibc.close(listener)
            listenerClosed = true
        }
        condition.broadcast()
        let deadline = Date(timeIntervalSinceNow: timeout)
        while !(acceptLoopDone && connections == 0) {
            if !condition.wait(until: deadline) { break }
        }
        condition.unlock()
    }

    private var running: Bool {
        condition.lock()
        defer { condition.unlock() }
        return isRunning
    }

    private func acceptLoop() {
        while running {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 200) > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            // Not inherited by the node processes that builds start (Glibc's module has no accept4).
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            condition.lock()
            let admitted = connections < Self.maxConnections
            if admitted { connections += 1 }
            condition.unlock()
            guard admitted else {
                Self.configure(client)
                let busy = HTTPResponse.text(503, "too many connections\n")
                _ = Self.send(client, Self.head(busy, length: busy.data.count)) && Self.send(client, busy.data)
                Glibc.close(client)
                continue
            }
            let thread = Thread { [self] in
                serve(client)
                Glibc.close(client)
                condition.lock()
                connections -= 1
                condition.broadcast()
                condition.unlock()
            }
            thread.name = "litmath-serve-connection"
            thread.start()
        }
        condition.lock()
        Glibc.close(listener)
        listenerClosed = true
        acceptLoopDone = true
        condition.broadcast()
        condition.unlock()
    }

    private static func configure(_ fd: Int32) {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    private func serve(_ client: Int32) {
        Self.configure(client)
        var head = Data()
        var chunk = [UInt8](repeating: 0, count: 4096)
        let end = Data("\r\n\r\n".utf8)
        let deadline = Date(timeIntervalSinceNow: 10)
        while head.range(of: end) == nil {
            guard Date() < deadline else { return }
            guard head.count <= Self.maxHeadBytes else {
                respond(client, .text(431, "request head too large\n"), method: "GET")
                return
            }
            let count = recv(client, &chunk, chunk.count, 0)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            head.append(contentsOf: chunk[0..<count])
        }
        let text = String(decoding: head[..<head.range(of: end)!.lowerBound], as: UTF8.self)
        guard let request = HTTPRequest.parse(head: text) else {
            respond(client, .text(400, "not an HTTP/1.x request\n"), method: "GET")
            return
        }
        respond(client, handler(request), method: request.method)
    }

    private func respond(_ client: Int32, _ response: HTTPResponse, method: String) {
        switch response.body {
        case let .data(data):
            guard Self.send(client, Self.head(response, length: data.count)) else { return }
            if method != "HEAD" { _ = Self.send(client, data) }
        case let .chunks(chunks):
            guard Self.send(client, Self.head(response, length: chunks.reduce(0) { $0 + $1.count })) else { return }
            if method == "HEAD" { return }
            for chunk in chunks where !Self.send(client, chunk) { return }
        case let .events(hub, since):
            guard Self.send(client, Self.head(response, length: nil)) else { return }
            if method == "HEAD" { return }
            streamEvents(client, hub: hub, since: since)
        }
    }

    private func streamEvents(_ client: Int32, hub: EventHub, since: String?) {
        // EventSource reconnects after `retry` ms when the stream ends (say, the server restarts).
        guard Self.send(client, Data("retry: 1000\n\n".utf8)) else { return }
        var seen = since
        var lastWrite = Date()
        while running {
            switch hub.next(after: seen, until: Date(timeIntervalSinceNow: 0.25)) {
            case let .send(event):
                guard Self.send(client, Data(event.encoded.utf8)) else { return }
                seen = event.id
                lastWrite = Date()
            case .idle:
                if Date().timeIntervalSince(lastWrite) > 15 {
                    guard Self.send(client, Data(": keep-alive\n\n".utf8)) else { return }
                    lastWrite = Date()
                }
            case .closed:
                return
            }
            if Self.peerClosed(client) { return }
        }
    }

    /// Whether the client hung up (a closed socket polls readable and reads 0 bytes).
    private static func peerClosed(_ fd: Int32) -> Bool {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 0) > 0 else { return false }
        if poller.revents & Int16(POLLHUP | POLLERR) != 0 { return true }
        var byte: UInt8 = 0
        let count = recv(fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT))
        return count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
    }

    private static func head(_ response: HTTPResponse, length: Int?) -> Data {
        var text = "HTTP/1.1 \(response.status) \(HTTPResponse.reason(response.status))\r\n"
        for (name, value) in response.headers { text += "\(name): \(value)\r\n" }
        if let length, response.status != 204 { text += "Content-Length: \(length)\r\n" }
        text += "Connection: close\r\n\r\n"
        return Data(text.utf8)
    }

    /// Sends all of `data`; `false` when the client is gone or too slow (5 s).
    private static func send(_ fd: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                // At most 1 MiB per call: the kernel takes what fits anyway, and the bytes are read
                // in place from the (shared) body, never copied.
                let sent = Glibc.send(fd, buffer.baseAddress! + offset, min(buffer.count - offset, 1 << 20), Int32(MSG_NOSIGNAL))
                if sent < 0 && errno == EINTR { continue }
                guard sent > 0 else { return false }
                offset += sent
            }
            return true
        }
    }
}
