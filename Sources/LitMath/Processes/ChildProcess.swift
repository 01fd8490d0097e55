import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a program as a child of litmath that cannot outlive it, cannot hang it, and cannot fill
/// its memory: node for KaTeX and Prism, the Swift toolchain and the runnable examples of `check`.
///
/// - On Linux the child is started through `setpriv --pdeathsig KILL` (util-linux), so the kernel
///   kills it when litmath dies, even by SIGKILL. Foundation's `Process` cannot do this: it runs
///   no code in the child, and this type spawns with `posix_spawn` itself for the same reason.
/// - The child leads a session (and process group) of its own, so a timeout, an output overflow,
///   or litmath's own Ctrl-C kills everything it started (a `sleep 1000 &` holding the output
///   pipe included), not just the child. A session, not just a group: Foundation's `Process`
///   puts each of its children in a new process group, but never in a new session.
/// - Output is read as it comes, up to `outputLimit` bytes; beyond it the session is killed. When
///   the time is up, or the child has exited and only something it left behind still holds the
///   pipe, reading stops: the wait never depends on the pipe reaching its end.
public struct ChildProcess: Sendable {
    /// The program (looked up on `PATH` when it has no slash) and its arguments.
    public var arguments: [String]
    /// How long the child may run, in seconds, before its session is killed.
    public var timeout: TimeInterval
    /// Most bytes of output (standard output and error together) kept; beyond it the process
    /// session is killed. `nil`: no limit (node's answer for a large site is legitimately large).
    public var outputLimit: Int?
    /// Whether standard error is collected apart (`errors`) or mixed into `output`.
    public var separateErrors: Bool
    /// How long to keep reading after the child exited while something it left behind still
    /// holds the pipe open.
    public var drainAfterExit: TimeInterval = 0.5

    /// Creates a description of a child to run.
    public init(_ arguments: [String], timeout: TimeInterval, outputLimit: Int? = nil, separateErrors: Bool = false) {
        self.arguments = arguments
        self.timeout = timeout
        self.outputLimit = outputLimit
        self.separateErrors = separateErrors
    }

    /// What became of a run.
    public struct Result: Sendable {
        /// The exit status, or nil when the child was ended by a signal.
        public var status: Int32?
        /// The signal that ended the child, if one did.
        public var signal: Int32?
        /// Standard output (with standard error unless `separateErrors`), at most `outputLimit` bytes.
        public var output: Data
        /// Standard error when `separateErrors`, else empty.
        public var errors: Data
        /// Whether the child was killed because its time was up.
        public var timedOut: Bool
        /// Whether the child was killed because it printed more than `outputLimit` bytes.
        public var exceededLimit: Bool
        /// Whether it exited with status 0.
        public var succeeded: Bool { status == 0 && !timedOut && !exceededLimit }
    }

    /// Why the child could not be started.
    public struct LaunchError: Error, CustomStringConvertible {
        /// What went wrong.
        public var description: String
    }

    /// `setpriv` from util-linux, which sets the parent-death signal before it executes the
    /// program; nil where there is none (then a child can outlive a litmath that is SIGKILLed).
    static let setpriv: String? = {
        #if os(Linux)
        for candidate in ["/usr/bin/setpriv", "/bin/setpriv", "/usr/sbin/setpriv"] where access(candidate, X_OK) == 0 {
            return candidate
        }
        #endif
        return nil
    }()

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later); Swift's Glibc module
    /// leaves out the GNU extensions, so it is looked up by name.
    private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? =
        dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self) }

    /// glibc's `pipe2`, looked up by name for the same reason.
    private static let pipe2: (@convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32)? =
        dlsym(nil, "pipe2").map { unsafeBitCast($0, to: (@convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32).self) }

    /// A pipe whose ends are closed on exec, set atomically where `pipe2` exists, so that no child
    /// started at the same moment by another thread inherits them (and holds the pipe open).
    private static func makePipe(_ ends: inout [Int32]) -> Bool {
        if let pipe2 { return ends.withUnsafeMutableBufferPointer { pipe2($0.baseAddress!, O_CLOEXEC) } == 0 }
        guard pipe(&ends) == 0 else { return false }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return true
    }

    /// Kills every process of session `leader` (the child and all it started, whatever process
    /// groups they moved to), repeating while new ones appear (a fork racing the kill).
    /// Once the leader is reaped its id may be reused, so only the scan (which matches the
    /// session id, never reused while the session has members) is safe then.
    static func killSession(_ leader: pid_t, reaped: Bool = false) {
        if !reaped { kill(-leader, SIGKILL) }
        for _ in 0..<5 {
            let members = sessionMembers(leader)
            if members.isEmpty { return }
            for member in members { kill(member, SIGKILL) }
        }
    }

    /// The live (not zombie) processes whose session id is `session`, from /proc.
    static func sessionMembers(_ session: pid_t) -> [pid_t] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return names.compactMap { name -> pid_t? in
            guard let pid = pid_t(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            // After the command's closing parenthesis: state, ppid, pgrp, session, …
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 3, fields[0] != "Z", pid_t(fields[3]) == session else { return nil }
            return pid
        }
    }

    /// The sessions of the children running now, so a Ctrl-C of litmath ends them too.
    private static let running = RunningGroups()

    /// Kills the session of every child still running (for litmath's signal handlers).
    public static func killRunning() {
        running.killAll()
    }

    /// Runs the child to its end (or its limit) and returns what it printed.
    public func run() throws -> Result {
        precondition(!arguments.isEmpty, "a child process needs a program")
        var outputPipe: [Int32] = [-1, -1], errorPipe: [Int32] = [-1, -1]
        guard Self.makePipe(&outputPipe) else { throw LaunchError(description: "pipe: \(String(cString: strerror(errno)))") }
        if separateErrors {
            guard Self.makePipe(&errorPipe) else {
                close(outputPipe[0]); close(outputPipe[1])
                throw LaunchError(description: "pipe: \(String(cString: strerror(errno)))")
            }
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, separateErrors ? errorPipe[1] : outputPipe[1], 2)
        // Nothing else of litmath's (sockets of `serve`, other children's pipes) leaks into the child.
        _ = Self.addCloseFrom?(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // POSIX_SPAWN_SETSID (glibc 2.26) is a GNU extension the Glibc module leaves out.
        let setsid: Int32 = 0x80
        posix_spawnattr_setflags(&attributes, Int16(setsid | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var noSignals = sigset_t(), allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        // litmath ignores SIGINT/SIGTERM/SIGPIPE to handle them itself; the child must not inherit that.
        posix_spawnattr_setsigdefault(&attributes, &allSignals)

        let argv = (Self.setpriv.map { [$0, "--pdeathsig", "KILL"] } ?? []) + arguments
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, cArguments[0]!, &actions, &attributes, cArguments, environ)
        close(outputPipe[1])
        if separateErrors { close(errorPipe[1]) }
        guard spawned == 0 else {
            close(outputPipe[0])
            if separateErrors { close(errorPipe[0]) }
            throw LaunchError(description: "cannot run '\(arguments[0])': \(String(cString: strerror(spawned)))")
        }
        Self.running.insert(pid)
        defer { Self.running.remove(pid) }

        var output = Data(), errors = Data()
        var open = [outputPipe[0]] + (separateErrors ? [errorPipe[0]] : [])
        defer { open.forEach { close($0) } }
        let deadline = Date(timeIntervalSinceNow: timeout)
        var timedOut = false, exceeded = false
        var waitStatus: Int32 = 0
        var exitedAt: Date?
        var buffer = [UInt8](repeating: 0, count: 65_536)
        reading: while !open.isEmpty {
            let now = Date()
            if now >= deadline { timedOut = exitedAt == nil; break }
            if let exitedAt, now.timeIntervalSince(exitedAt) > drainAfterExit { break }
            var pollers = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let milliseconds = Int32(max(1, min(100, deadline.timeIntervalSince(now) * 1000)))
            let ready = poll(&pollers, nfds_t(pollers.count), milliseconds)
            if ready > 0 {
                for poller in pollers where poller.revents != 0 {
                    let count = read(poller.fd, &buffer, buffer.count)
                    if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                    if count <= 0 {
                        close(poller.fd)
                        open.removeAll { $0 == poller.fd }
                        continue
                    }
                    let isError = separateErrors && poller.fd == errorPipe[0]
                    let kept = output.count + errors.count
                    if let limit = outputLimit, kept + count > limit {
                        let room = max(0, limit - kept)
                        if isError { errors.append(contentsOf: buffer[0..<room]) } else { output.append(contentsOf: buffer[0..<room]) }
                        exceeded = true
                        break reading
                    }
                    if isError { errors.append(contentsOf: buffer[0..<count]) } else { output.append(contentsOf: buffer[0..<count]) }
                }
            }
            if exitedAt == nil, waitpid(pid, &waitStatus, WNOHANG) == pid { exitedAt = Date() }
        }
        // Whatever is left of the session — the child when it overran, what it started in the
        // background when it did not — goes now.
        Self.killSession(pid, reaped: exitedAt != nil)
        if exitedAt == nil {
            while waitpid(pid, &waitStatus, 0) < 0 && errno == EINTR {}
        }
        let signal = waitStatus & 0x7f
        return Result(status: signal == 0 ? (waitStatus >> 8) & 0xff : nil, signal: signal == 0 ? nil : signal,
                      output: output, errors: errors, timedOut: timedOut, exceededLimit: exceeded)
    }
}

/// The sessions of running children (led by the children themselves), behind a lock (signal handlers read it from another thread).
private final class RunningGroups: @unchecked Sendable {
    private let lock = NSLock()
    private var sessions: Set<pid_t> = []

    func insert(_ pid: pid_t) { lock.lock(); sessions.insert(pid); lock.unlock() }
    func remove(_ pid: pid_t) { lock.lock(); sessions.remove(pid); lock.unlock() }
    func killAll() {
        lock.lock()
        let leaders = sessions
        lock.unlock()
        for session in leaders { ChildProcess.killSession(session) }
    }
}
