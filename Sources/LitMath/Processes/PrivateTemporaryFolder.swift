import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A temporary folder that only the user running litmath can open (mode 0700 from its
/// creation, by `mkdtemp`, before anything is written into it), named after litmath's process
/// id so that it can be found and removed however litmath ends:
///
/// - normally, by `remove()` (callers `defer` it);
/// - on Ctrl-C or SIGTERM, by the command line's signal handler calling `removeOwn()`;
/// - after a SIGKILL, which nothing can catch, by the next run calling `removeStale()`, which
///   removes the folders of process ids that are no longer running.
///
/// The folders hold article text (formulas and code sent to node), which is why no one else
/// may read them and none may be left behind.
public struct PrivateTemporaryFolder: Sendable {
    /// The folder.
    public let url: URL

    /// The start of every such folder's name; the process id follows.
    static let prefix = "litmath-tmp-"

    /// Creates `litmath-tmp-<pid>-<purpose>-XXXXXX` in `parent` (the system's temporary folder by default).
    public init(purpose: String, in parent: URL = FileManager.default.temporaryDirectory) throws {
        let template = parent.appendingPathComponent("\(Self.prefix)\(getpid())-\(purpose)-XXXXXX").path
        var bytes = Array(template.utf8CString)
        guard let made = mkdtemp(&bytes) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: template, NSLocalizedDescriptionKey: "cannot create a temporary folder in '\(parent.path)': \(String(cString: strerror(errno)))"])
        }
        url = URL(fileURLWithPath: String(cString: made), isDirectory: true)
    }

    /// Removes the folder and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(at: url)
    }

    /// The process id a folder name carries, if it is one of these folders.
    static func owner(ofFolderNamed name: String) -> pid_t? {
        guard name.hasPrefix(prefix) else { return nil }
        let digits = name.dropFirst(prefix.count).prefix { $0.isASCII && $0.isNumber }
        return pid_t(digits)
    }

    /// Removes the folders of this process (from a signal handler's queue, before exiting).
    public static func removeOwn(in parent: URL = FileManager.default.temporaryDirectory) {
        remove(in: parent) { $0 == getpid() }
    }

    /// Removes the folders left by litmath processes that no longer run (killed with SIGKILL).
    /// Only the current user's folders are touched.
    public static func removeStale(in parent: URL = FileManager.default.temporaryDirectory) {
        remove(in: parent) { pid in pid != getpid() && !isRunning(pid) }
    }

    /// Whether `pid` is a live process. A zombie (killed, not yet reaped by its parent) is not:
    /// it will never remove its folders.
    static func isRunning(_ pid: pid_t) -> Bool {
        // ESRCH: no such process. EPERM means it runs as someone else: alive.
        if kill(pid, 0) != 0 { return errno != ESRCH }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first != "Z"
    }

    private static func remove(in parent: URL, where matches: (pid_t) -> Bool) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent.path) else { return }
        for name in names {
            guard let pid = owner(ofFolderNamed: name), pid > 0, matches(pid) else { continue }
            let path = parent.appendingPathComponent(name).path
            var info = stat()
            guard lstat(path, &info) == 0, info.st_uid == getuid(), (info.st_mode & S_IFMT) == S_IFDIR else { continue }
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}
