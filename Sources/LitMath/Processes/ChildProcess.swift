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
/// - The child leads a process group of its own, so a timeout, an output overflow, or litmath's
///   own Ctrl-C kills everything it started (a `sleep 1000 &` holding the output pipe included),
///   not just the child.
/// - Output is read as it comes, up to `outputLimit` bytes; beyond it the group is killed. When
///   the time is up, or the child has exited and only something it left behind still holds the
///   pipe, reading stops: the wait never depends on the pipe reaching its end.
public struct ChildProcess: Sendable {
    /// The program (looked up on `PATH` when it has no slash) and its arguments.
    public var arguments: [String]
    /// How long the child may run, in seconds, before its process group is killed.
    public var timeout: TimeInterval
    /// Most bytes of output (standard output and error together) kept; beyond it the process
    /// group is killed. `nil`: no limit (node's answer for a large site is legitimately large).
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

    /// The process groups of the children running now, so a Ctrl-C of litmath ends them too.
    private static let running = RunningGroups()

    /// Kills the process group of every child still running (for litmath's signal handlers).
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
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
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
        // Whatever is left of the group — the child when it overran, what it started in the
        // background when it did not — goes now.
        kill(-pid, SIGKILL)
        if exitedAt == nil {
            while waitpid(pid, &waitStatus, 0) < 0 && errno == EINTR {}
        }
        let signal = waitStatus & 0x7f
        return Result(status: signal == 0 ? (waitStatus >> 8) & 0xff : nil, signal: signal == 0 ? nil : signal,
                      output: output, errors: errors, timedOut: timedOut, exceededLimit: exceeded)
    }
}

/// The process groups of running children, behind a lock (signal handlers read it from another thread).
private final class RunningGroups: @unchecked Sendable {
    private let lock = NSLock()
    private var groups: Set<pid_t> = []

    func insert(_ pid: pid_t) { lock.lock(); groups.insert(pid); lock.unlock() }
    func remove(_ pid: pid_t) { lock.lock(); groups.remove(pid); lock.unlock() }
    func killAll() {
        lock.lock()
        for group in groups { kill(-group, SIGKILL) }
        lock.unlock()
    }
}
