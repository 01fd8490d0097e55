import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real headless Chromium (Debian's `chromium`) driven over the Chrome DevTools Protocol.
///
/// The browser is started with `--remote-debugging-pipe`: protocol messages are NUL-terminated
/// JSON, written to the browser on its fd 3 and read from it on its fd 4. Foundation's `Process`
/// cannot hand a child extra file descriptors, so the browser is spawned with `posix_spawn` and
/// file actions that put the pipe ends there. Every wait is bounded by a deadline; a browser that
/// stops answering is killed with its whole process group.
///
/// ```swift
/// try Browser.with { browser in
///     let tab = try browser.open(url, width: 390, colorScheme: .dark)
///     let width: Int = try tab.evaluate("document.documentElement.scrollWidth")
///     #expect(tab.problems.isEmpty)
/// }
/// ```
final class Browser: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The `prefers-color-scheme` a tab is opened with.
    enum ColorScheme: String, Sendable {
        case light, dark
    }

    /// Runs `body` with a fresh browser and always closes it afterwards.
    static func with<R>(_ body: (Browser) throws -> R) throws -> R {
        let browser = try Browser()
        defer { browser.close() }
        return try body(browser)
    }

    private let connection: Connection
    private let profile: URL
    private let pid: pid_t
    private var closed = false
    private let lock = NSLock()

    /// Starts a headless Chromium with a throw-away profile and waits (bounded) until it answers.
    init(timeout: TimeInterval = 30) throws {
        let executable = try Self.chromium()
        // Writing to the pipe of a browser that died must be an error, not the end of the tests.
        signal(SIGPIPE, SIG_IGN)
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("litmath-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        let arguments = [executable, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
                         "--user-data-dir=\(profile.path)", "--no-first-run", "--no-default-browser-check",
                         "--disable-extensions", "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--mute-audio", "about:blank"]
        let log = profile.appendingPathComponent("chromium.log")
        do {
            (pid, connection) = try Self.spawn(arguments, stderr: log.path)
        } catch {
            try? FileManager.default.removeItem(at: profile)
            throw error
        }
        do {
            _ = try connection.call("Browser.getVersion", timeout: timeout)
        } catch {
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            close()
            throw Failure(description: "Chromium did not answer over the DevTools pipe: \(error)\n\(output.suffix(2000))")
        }
    }

    deinit { close() }

    /// The browser executable.
    static func chromium() throws -> String {
        for candidate in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"] where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw Failure(description: "headless Chromium not found; install it with 'apt-get install chromium' (or run 'bash .ci/setup')")
    }

    /// Opens `url` in a new tab with a viewport `width` CSS pixels wide, waits for its load event,
    /// its fonts and two animation frames, and returns the tab.
    ///
    /// `mobile` emulates a phone: the page's `<meta name="viewport">` is honoured and scroll bars
    /// overlay the content, as on a real phone.
    func open(_ url: URL, width: Int = 1280, height: Int = 900, mobile: Bool = false,
              colorScheme: ColorScheme = .light, timeout: TimeInterval = 20) throws -> Tab {
        let deadline = Date(timeIntervalSinceNow: timeout)
        let target = try connection.call("Target.createTarget", ["url": "about:blank"], timeout: deadline.timeIntervalSinceNow)
        guard let targetID = target["targetId"] as? String else { throw Failure(description: "Target.createTarget returned no targetId") }
        let attached = try connection.call("Target.attachToTarget", ["targetId": targetID, "flatten": true], timeout: deadline.timeIntervalSinceNow)
        guard let session = attached["sessionId"] as? String else { throw Failure(description: "Target.attachToTarget returned no sessionId") }
        let tab = Tab(connection: connection, targetID: targetID, session: session)
        for domain in ["Page", "Runtime", "Log", "Network"] {
            try tab.call("\(domain).enable", timeout: deadline.timeIntervalSinceNow)
        }
        try tab.call("Emulation.setDeviceMetricsOverride", ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile],
                     timeout: deadline.timeIntervalSinceNow)
        try tab.call("Emulation.setEmulatedMedia", ["features": [["name": "prefers-color-scheme", "value": colorScheme.rawValue]]],
                     timeout: deadline.timeIntervalSinceNow)
        try tab.navigate(to: url, deadline: deadline)
        return tab
    }

    /// Closes the browser: politely over the protocol, then by force if it has not exited in 5 s.
    func close() {
        lock.lock()
        guard !closed else { lock.unlock(); return }
        closed = true
        lock.unlock()
        _ = try? connection.call("Browser.close", timeout: 2)
        let deadline = Date(timeIntervalSinceNow: 5)
        var status: Int32 = 0
        var exited = false
        while Date() < deadline {
            if waitpid(pid, &status, WNOHANG) == pid { exited = true; break }
            usleep(20_000)
        }
        // The browser is the leader of its own process group: this also ends renderers and helpers.
        kill(-pid, SIGKILL)
        if !exited { waitpid(pid, &status, 0) }
        connection.close()
        try? FileManager.default.removeItem(at: profile)
    }

    // MARK: Spawning

    /// Starts `arguments` in its own process group with the protocol pipes on fds 3 and 4.
    private static func spawn(_ arguments: [String], stderr: String) throws -> (pid_t, Connection) {
        // Pipe ends are moved above fd 9 and made close-on-exec, so that the child gets exactly the
        // two ends put on 3 and 4 (dup2 clears close-on-exec on the copy). Glibc's Swift module
        // has no pipe2.
        func pipePair() throws -> (read: Int32, write: Int32) {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw Failure(description: "pipe: \(String(cString: strerror(errno)))") }
            let read = fcntl(fds[0], F_DUPFD_CLOEXEC, 10), write = fcntl(fds[1], F_DUPFD_CLOEXEC, 10)
            Glibc.close(fds[0]); Glibc.close(fds[1])
            guard read >= 0, write >= 0 else { throw Failure(description: "fcntl: \(String(cString: strerror(errno)))") }
            return (read, write)
        }
        let toBrowser = try pipePair()
        let fromBrowser = try pipePair()

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, toBrowser.read, 3)
        posix_spawn_file_actions_adddup2(&actions, fromBrowser.write, 4)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var empty = sigset_t(), defaults = sigset_t()
        sigemptyset(&empty)
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ)
        Glibc.close(toBrowser.read)
        Glibc.close(fromBrowser.write)
        guard result == 0 else {
            Glibc.close(toBrowser.write)
            Glibc.close(fromBrowser.read)
            throw Failure(description: "cannot start \(arguments[0]): \(String(cString: strerror(result)))")
        }
        return (pid, Connection(writeFD: toBrowser.write, readFD: fromBrowser.read))
    }
}

extension Browser {
    /// A console message, an uncaught exception, or a browser log entry of level error or warning.
    struct ConsoleMessage: Sendable, CustomStringConvertible {
        var level: String
        var text: String
        var url: String?
        var description: String { "[\(level)] \(text)\(url.map { " (\($0))" } ?? "")" }
    }

    /// A request that did not load: a network error, or an HTTP status of 400 or more.
    struct FailedRequest: Sendable, CustomStringConvertible {
        var url: String
        var reason: String
        var description: String { "\(url): \(reason)" }
    }

    /// One page, attached over a flat DevTools session.
    final class Tab: @unchecked Sendable {
        fileprivate let connection: Connection
        fileprivate let targetID: String
        fileprivate let session: String

        fileprivate init(connection: Connection, targetID: String, session: String) {
            self.connection = connection
            self.targetID = targetID
            self.session = session
        }

        /// Sends a command to this page; returns its `result`.
        @discardableResult
        func call(_ method: String, _ params: [String: Any] = [:], timeout: TimeInterval = 10) throws -> [String: Any] {
            try connection.call(method, params, session: session, timeout: timeout)
        }

        fileprivate func navigate(to url: URL, deadline: Date) throws {
            let start = connection.eventCount(session: session)
            let result = try call("Page.navigate", ["url": url.absoluteString], timeout: deadline.timeIntervalSinceNow)
            if let error = result["errorText"] as? String {
                throw Failure(description: "cannot open \(url.absoluteString): \(error)")
            }
            _ = try connection.waitForEvent("Page.loadEventFired", session: session, after: start, deadline: deadline)
            // Fonts that are still loading, and layout: two frames after fonts are ready.
            let _: Bool = try evaluate("""
                document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true)))))
                """, timeout: max(0.1, deadline.timeIntervalSinceNow))
        }

        /// A PNG of the part of the page inside the bounding box of the first element matching
        /// `selector`, for a person to look at.
        func screenshot(of selector: String) throws -> Data {
            struct Box: Decodable { var x: Double; var y: Double; var width: Double; var height: Double }
            let box: Box = try evaluate("""
                (() => { const r = document.querySelector(\(Self.quoted(selector))).getBoundingClientRect();
                  return { x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height }; })()
                """)
            let result = try call("Page.captureScreenshot", ["format": "png", "captureBeyondViewport": true,
                                                             "clip": ["x": box.x, "y": box.y, "width": box.width, "height": box.height, "scale": 1]])
            guard let base64 = result["data"] as? String, let data = Data(base64Encoded: base64) else {
                throw Failure(description: "Page.captureScreenshot returned no image")
            }
            return data
        }

        /// Evaluates a JavaScript expression in the page (promises are awaited) and returns its
        /// value, serialized as JSON and decoded as `T`.
        func evaluate<T: Decodable>(_ expression: String, as type: T.Type = T.self, timeout: TimeInterval = 10) throws -> T {
            let value = try evaluateJSON(expression, timeout: timeout)
            let data = try JSONSerialization.data(withJSONObject: value ?? NSNull(), options: [.fragmentsAllowed])
            do {
                return try JSONDecoder().decode(T.self, from: data)
            } catch {
                throw Failure(description: "cannot decode the value of `\(expression.prefix(80))` as \(T.self): \(error)\nvalue: \(String(decoding: data.prefix(500), as: UTF8.self))")
            }
        }

        /// Evaluates a JavaScript expression in the page (promises are awaited) and returns its
        /// value as a JSON object (`nil` for `undefined`). An exception in the page is thrown.
        func evaluateJSON(_ expression: String, timeout: TimeInterval = 10) throws -> Any? {
            let result = try call("Runtime.evaluate", ["expression": expression, "awaitPromise": true, "returnByValue": true,
                                                       "userGesture": true], timeout: timeout)
            if let details = result["exceptionDetails"] as? [String: Any] {
                let exception = (details["exception"] as? [String: Any])?["description"] as? String
                throw Failure(description: "the page threw: \(exception ?? details["text"] as? String ?? "\(details)")")
            }
            return (result["result"] as? [String: Any])?["value"]
        }

        /// The accessible name Chromium computes for each element matching `selector` (with the
        /// element's outer HTML, shortened, to say which one it is).
        func accessibleNames(of selector: String) throws -> [(element: String, name: String)] {
            try call("Accessibility.enable")
            let count: Int = try evaluate("document.querySelectorAll(\(Self.quoted(selector))).length")
            var names: [(String, String)] = []
            for index in 0..<count {
                let expression = "document.querySelectorAll(\(Self.quoted(selector)))[\(index)]"
                let handle = try call("Runtime.evaluate", ["expression": expression])
                guard let objectID = (handle["result"] as? [String: Any])?["objectId"] as? String else {
                    throw Failure(description: "no handle for \(expression)")
                }
                let tree = try call("Accessibility.getPartialAXTree", ["objectId": objectID, "fetchRelatives": false])
                let node = (tree["nodes"] as? [[String: Any]])?.first
                let name = ((node?["name"] as? [String: Any])?["value"] as? String) ?? ""
                let html: String = try evaluate("\(expression).outerHTML.slice(0, 120)")
                names.append((html, name))
            }
            return names
        }

        /// Console errors and warnings, uncaught exceptions and browser log entries of level
        /// error or warning, in the order they happened.
        var consoleMessages: [ConsoleMessage] {
            connection.events(session: session).compactMap { event in
                let params = event["params"] as? [String: Any] ?? [:]
                switch event["method"] as? String {
                case "Runtime.consoleAPICalled":
                    let type = params["type"] as? String ?? ""
                    guard ["error", "warning", "assert"].contains(type) else { return nil }
                    let args = (params["args"] as? [[String: Any]] ?? []).map { arg in
                        (arg["value"].map { "\($0)" }) ?? (arg["description"] as? String) ?? (arg["type"] as? String ?? "")
                    }
                    return ConsoleMessage(level: type, text: args.joined(separator: " "), url: nil)
                case "Runtime.exceptionThrown":
                    let details = params["exceptionDetails"] as? [String: Any] ?? [:]
                    let text = ((details["exception"] as? [String: Any])?["description"] as? String) ?? details["text"] as? String ?? ""
                    return ConsoleMessage(level: "exception", text: text, url: details["url"] as? String)
                case "Log.entryAdded":
                    let entry = params["entry"] as? [String: Any] ?? [:]
                    let level = entry["level"] as? String ?? ""
                    guard level == "error" || level == "warning" else { return nil }
                    return ConsoleMessage(level: level, text: entry["text"] as? String ?? "", url: entry["url"] as? String)
                default:
                    return nil
                }
            }
        }

        /// Every URL the page requested, in order.
        var requestedURLs: [String] {
            connection.events(session: session).compactMap { event in
                guard event["method"] as? String == "Network.requestWillBeSent" else { return nil }
                return ((event["params"] as? [String: Any])?["request"] as? [String: Any])?["url"] as? String
            }
        }

        /// Requests that failed at the network level or answered with an HTTP status of 400 or more.
        var failedRequests: [FailedRequest] {
            var urls: [String: String] = [:]
            var failures: [FailedRequest] = []
            for event in connection.events(session: session) {
                let params = event["params"] as? [String: Any] ?? [:]
                let id = params["requestId"] as? String ?? ""
                switch event["method"] as? String {
                case "Network.requestWillBeSent":
                    urls[id] = (params["request"] as? [String: Any])?["url"] as? String
                case "Network.responseReceived":
                    let response = params["response"] as? [String: Any] ?? [:]
                    if let status = (response["status"] as? NSNumber)?.intValue, status >= 400 {
                        failures.append(FailedRequest(url: response["url"] as? String ?? urls[id] ?? id, reason: "HTTP \(status)"))
                    }
                case "Network.loadingFailed":
                    failures.append(FailedRequest(url: urls[id] ?? id, reason: params["errorText"] as? String ?? "failed"))
                default:
                    break
                }
            }
            return failures
        }

        /// Console messages and failed requests together, as text, for one `#expect`.
        var problems: [String] {
            consoleMessages.map(\.description) + failedRequests.map { "request failed: \($0)" }
        }

        /// Closes the tab.
        func close() {
            _ = try? connection.call("Target.closeTarget", ["targetId": targetID], timeout: 5)
        }

        private static func quoted(_ string: String) -> String {
            let data = try! JSONSerialization.data(withJSONObject: string, options: [.fragmentsAllowed])
            return String(decoding: data, as: UTF8.self)
        }
    }
}

extension Browser {
    /// The pipe pair and a reader thread that sorts messages into command results and events.
    final class Connection: @unchecked Sendable {
        private let writeFD: Int32
        private let condition = NSCondition()
        private var nextID = 1
        private var results: [Int: [String: Any]] = [:]
        private var eventsBySession: [String: [[String: Any]]] = [:]
        private var isOpen = true

        init(writeFD: Int32, readFD: Int32) {
            self.writeFD = writeFD
            // The thread keeps the connection alive until the browser closes its end, which it does
            // at the latest when `Browser.close()` kills its process group.
            let thread = Thread { [self] in self.readMessages(from: readFD) }
            thread.name = "devtools-reader"
            thread.start()
        }

        /// Reads NUL-terminated messages until the browser closes its end, then closes ours.
        private func readMessages(from fd: Int32) {
            var buffer = [UInt8]()
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = Glibc.read(fd, &chunk, chunk.count)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                buffer.append(contentsOf: chunk[0..<count])
                while let end = buffer.firstIndex(of: 0) {
                    let message = Data(buffer[..<end])
                    buffer.removeSubrange(...end)
                    if let object = try? JSONSerialization.jsonObject(with: message) as? [String: Any] {
                        receive(object)
                    }
                }
            }
            Glibc.close(fd)
            receiveEndOfStream()
        }

        private func receive(_ message: [String: Any]) {
            condition.lock()
            if let id = (message["id"] as? NSNumber)?.intValue {
                results[id] = message
            } else {
                eventsBySession[message["sessionId"] as? String ?? "", default: []].append(message)
            }
            condition.broadcast()
            condition.unlock()
        }

        private func receiveEndOfStream() {
            condition.lock()
            isOpen = false
            condition.broadcast()
            condition.unlock()
        }

        /// Sends a command and waits at most `timeout` seconds for its result.
        @discardableResult
        func call(_ method: String, _ params: [String: Any] = [:], session: String? = nil, timeout: TimeInterval) throws -> [String: Any] {
            condition.lock()
            let id = nextID
            nextID += 1
            let open = isOpen
            condition.unlock()
            guard open else { throw Failure(description: "\(method): the browser has closed the DevTools pipe") }

            var message: [String: Any] = ["id": id, "method": method, "params": params]
            if let session { message["sessionId"] = session }
            var bytes = [UInt8](try JSONSerialization.data(withJSONObject: message))
            bytes.append(0)
            try write(bytes)

            let deadline = Date(timeIntervalSinceNow: max(0, timeout))
            condition.lock()
            defer { condition.unlock() }
            while results[id] == nil && isOpen {
                if !condition.wait(until: deadline) { break }
            }
            guard let response = results.removeValue(forKey: id) else {
                throw Failure(description: isOpen ? "\(method): no answer within \(timeout) s" : "\(method): the browser closed the DevTools pipe")
            }
            if let error = response["error"] as? [String: Any] {
                throw Failure(description: "\(method): \(error["message"] as? String ?? "\(error)")")
            }
            return response["result"] as? [String: Any] ?? [:]
        }

        private func write(_ bytes: [UInt8]) throws {
            var offset = 0
            while offset < bytes.count {
                // A dead browser shows as EPIPE, not as a fatal SIGPIPE: `Browser.init` ignores it.
                let written = bytes.withUnsafeBytes { Glibc.write(writeFD, $0.baseAddress! + offset, bytes.count - offset) }
                if written < 0 {
                    if errno == EINTR { continue }
                    throw Failure(description: "cannot write to the DevTools pipe: \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }

        /// Number of events received so far for `session`.
        func eventCount(session: String) -> Int {
            condition.lock()
            defer { condition.unlock() }
            return eventsBySession[session]?.count ?? 0
        }

        /// Every event received so far for `session`.
        func events(session: String) -> [[String: Any]] {
            condition.lock()
            defer { condition.unlock() }
            return eventsBySession[session] ?? []
        }

        /// Waits until an event `method` arrives for `session` (looking at events from index `after` on).
        func waitForEvent(_ method: String, session: String, after start: Int, deadline: Date) throws -> [String: Any] {
            condition.lock()
            defer { condition.unlock() }
            var index = start
            while true {
                let events = eventsBySession[session] ?? []
                while index < events.count {
                    if events[index]["method"] as? String == method { return events[index] }
                    index += 1
                }
                guard isOpen else { throw Failure(description: "the browser closed while waiting for \(method)") }
                if !condition.wait(until: deadline) { throw Failure(description: "no \(method) before the deadline") }
            }
        }

        func close() {
            Glibc.close(writeFD)
        }
    }
}
